/* cmd_cluster.c -- `bulwark cluster`. Not built yet: it says so and exits 2. */
#include "cli.h"

int cmd_cluster(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_warn("cluster", "this verb is not available in this build yet");
    return BW_EXIT_USAGE;
}

/* cmd_scan.c -- `bulwark scan`. Not built yet: it says so and exits 2. */
#include "cli.h"

int cmd_scan(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_warn("scan", "this verb is not available in this build yet");
    return BW_EXIT_USAGE;
}

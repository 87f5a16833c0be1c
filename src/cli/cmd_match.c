/* cmd_match.c -- `bulwark match`. Not built yet: it says so and exits 2. */
#include "cli.h"

int cmd_match(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_warn("match", "this verb is not available in this build yet");
    return BW_EXIT_USAGE;
}

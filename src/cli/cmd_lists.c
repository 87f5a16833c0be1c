/* cmd_lists.c -- `bulwark lists`. Not built yet: it says so and exits 2. */
#include "cli.h"

int cmd_lists(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_warn("lists", "this verb is not available in this build yet");
    return BW_EXIT_USAGE;
}

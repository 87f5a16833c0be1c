/* cmd_prompt.c -- `bulwark prompt`. Not built yet: it says so and exits 2. */
#include "cli.h"

int cmd_prompt(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_warn("prompt", "this verb is not available in this build yet");
    return BW_EXIT_USAGE;
}

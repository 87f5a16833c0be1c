/* cmd_provenance.c -- `bulwark provenance`. Not built yet: it says so and exits 2. */
#include "cli.h"

int cmd_provenance(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_warn("provenance", "this verb is not available in this build yet");
    return BW_EXIT_USAGE;
}

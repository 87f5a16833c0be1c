/* main.c -- the bulwark tool: dispatch to one verb per file (cmd_*.c).
 *
 *   bulwark VERB [OPTIONS] [ARGS...]
 *   bulwark --version | --help | VERB --help */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const cli_verb verbs[] = {
    {"hash", "hash files: PDQ, MD5, SHA-1, SHA-256", cmd_hash},
    {"lists", "import, list, export and remove hash lists", cmd_lists},
    {"match", "look hashes or files up in the hash lists", cmd_match},
    {"scan", "walk folders, archives and dataset shards; hash and match", cmd_scan},
    {"cluster", "group near-duplicate images", cmd_cluster},
    {"prompt", "prompt guard: block requests for sexual content of minors", cmd_prompt},
    {"provenance", "is it AI-generated, and by what (C2PA, metadata, watermarks)",
     cmd_provenance},
    {"serve", "the matching service: HMA's HTTP API and bulwark's own", cmd_serve},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: bulwark VERB [OPTIONS] [ARGS...]\n"
               "       bulwark --version | --help | VERB --help\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        fprintf(f, "  %-11s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(f, "\nCommon options: --json, -j N, --db PATH. Exit codes: 0 all done, 1 some\n"
               "inputs failed, 2 usage error, 3 a match with --fail-on-match.\n");
}

/* Decoders ask for a few large buffers per image (a progressive JPEG's
 * coefficients, the input bytes). glibc would map each one fresh and give
 * it back on free, so every image paid its page faults again, and worker
 * threads contended on the address-space lock for them (measured: a
 * quarter of the time of `hash` on the photo corpus). Buffers up to 32 MiB
 * now come from the heap and are reused from one file to the next; larger
 * ones are still returned at once. This is the tool's choice: the library
 * leaves the process's allocator alone. */
static void tune_allocator(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int main(int argc, char **argv)
{
    tune_allocator();
    if (argc < 2) {
        usage(stderr);
        return BW_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("bulwark %s\n", bw_version());
        return BW_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return BW_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "bulwark: unknown verb '%s'\n\n", argv[1]);
    usage(stderr);
    return BW_EXIT_USAGE;
}

/* cmd_hash.c -- `bulwark hash`: PDQ (images), vPDQ (videos) and file
 * digests of files, directories (walked recursively) and stdin.
 *
 * The command line becomes a bw_hash_request; the library's bw_hash_run
 * does the rest (walk, pool, hashing, the JSON) and hands each record to
 * the sink here, which prints it. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage_text[] =
    "usage: bulwark hash [--json] [--exact] [--dihedral] [--seconds-per-hash S]\n"
    "                    [--vpdq-size N] [-j N] PATH...\n"
    "\n"
    "Hash files: PDQ (images), vPDQ (videos: MP4/MOV, WebM/Matroska, AVI,\n"
    "MPEG-TS, FLV; one PDQ per sampled frame) and MD5, SHA-1, SHA-256 (every\n"
    "file). Directories are walked recursively (symbolic links followed, loops\n"
    "reported); '-' reads stdin. The format comes from the file's bytes, never\n"
    "its name. An input that does not decode still gets its digests: its\n"
    "error record carries md5, sha1 and sha256.\n"
    "\n"
    "  --json             one JSON object per input (JSON Lines)\n"
    "  --exact            decode at full resolution with the decoders' accurate\n"
    "                     settings: the reference's (and HMA's) hashes\n"
    "  --dihedral         also the 8 dihedral PDQ hashes (pdq_dihedral)\n"
    "  --seconds-per-hash S\n"
    "                     videos: hash one frame every S seconds (default 1);\n"
    "                     0 hashes every frame (Meta's vpdq-hash-video -r)\n"
    "  --vpdq-size N      videos: scale frames to NxN before hashing (default 0:\n"
    "                     native size; Meta's vpdq-hash-video -s)\n"
    "  -j, --jobs N       worker threads (default: all cores)\n"
    "  --max-pixels N     largest image or video frame to decode, in pixels\n"
    "                     (default 128000000)\n"
    "  --max-file-size S  largest input read into memory, e.g. 512M (default 1G);\n"
    "                     larger inputs still get their digests (streamed)\n"
    CLI_LIMIT_HELP
    "\n"
    "Exit: 0 all hashed, 1 some inputs failed (each reported), 2 usage error.\n";

typedef struct run {
    int json;
} run;

/* The people's line for a video, in the image line's columns: the first
 * hashed frame's PDQ and quality, then the frame count and duration. */
static void print_video_line(const char *path, const bw_hash_result *r)
{
    char hex[65], dims[32];
    if (r->video.count)
        bw_pdq_to_hex(&r->video.frames[0].pdq, hex);
    else
        snprintf(hex, sizeof hex, "%-64s", "-");
    snprintf(dims, sizeof dims, "%ux%u", r->width, r->height);
    printf("%s %3d %-4s %11s  %s  (vpdq: %zu frames, %.3f s)\n", hex,
           r->video.count ? r->video.frames[0].quality : 0,
           r->video.format ? r->video.format : "video", dims, cli_esc(path), r->video.count,
           r->video.duration);
}

/* The sink: each record in input order, JSON or the people's line. */
static void on_record(void *ctx, const bw_sink_record *rec)
{
    const run *rn = ctx;
    const bw_hash_result *r = rec->result;
    if (rn->json)
        cli_emit_json_bytes(rec->json, rec->json_len);
    else if (rec->status != BW_OK)
        cli_warn("hash", "%s: %s", rec->path, rec->error);
    else if (r->kind == BW_KIND_VIDEO)
        print_video_line(rec->path, r);
    else {
        cli_print_hash_line(rec->path, r);
        putchar('\n');
    }
}

int cmd_hash(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},     {"exact", no_argument, NULL, 'e'},
        {"dihedral", no_argument, NULL, 'd'}, {"jobs", required_argument, NULL, 'j'},
        {"max-pixels", required_argument, NULL, 'P'},
        {"max-file-size", required_argument, NULL, 'S'},
        {"limit", required_argument, NULL, 1000},
        {"seconds-per-hash", required_argument, NULL, 1001},
        {"vpdq-size", required_argument, NULL, 1002},
        {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0}};
    bw_limits limits;
    bw_hash_opts hopts = {0, 0, NULL};
    bw_vpdq_opts vopts = {1.0, 0, NULL};
    run rn = {0};
    long long jobs = cli_default_jobs(), v;
    bw_error err;
    int c, stdin_used = 0;

    bw_limits_default(&limits);
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'J': rn.json = 1; break;
        case 'e': hopts.exact = 1; break;
        case 'd': hopts.dihedral = 1; break;
        case 'j':
            if ((jobs = cli_parse_uint(optarg)) < 1 || jobs > 1024)
                return cli_usage_error("hash", "-j takes a number from 1 to 1024");
            break;
        case 'P':
            if ((v = cli_parse_uint(optarg)) < 1)
                return cli_usage_error("hash", "--max-pixels takes a positive number");
            limits.max_pixels = (uint64_t)v;
            break;
        case 'S':
            if ((v = cli_parse_size(optarg)) < 1)
                return cli_usage_error("hash", "--max-file-size takes a size such as 512M");
            limits.max_file_bytes = (uint64_t)v;
            break;
        case 1000:
            if (cli_set_limit("hash", &limits, optarg) != 0)
                return BW_EXIT_USAGE;
            break;
        case 1001: {
            char *end;
            double d = strtod(optarg, &end);
            if (end == optarg || *end || !(d >= 0) || d > 1e9)
                return cli_usage_error("hash", "--seconds-per-hash takes seconds >= 0, e.g. 1 or 0.5");
            vopts.seconds_per_hash = d;
            break;
        }
        case 1002:
            if ((v = cli_parse_uint(optarg)) < 0 || v > 65535 || (v > 0 && v < 5))
                return cli_usage_error("hash", "--vpdq-size takes 0 (native) or 5 to 65535");
            vopts.size = (uint32_t)v;
            break;
        case 'h': fputs(usage_text, stdout); return BW_EXIT_OK;
        default: return cli_usage_error("hash", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("hash", "no PATH given");
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "-") == 0 && stdin_used++)
            return cli_usage_error("hash", "'-' (stdin) may be given once");
    hopts.limits = &limits;
    bw_hash_request req = {(const char *const *)argv + optind, (size_t)(argc - optind),
                           STDIN_FILENO, hopts, vopts, (unsigned)jobs, 1};
    bw_sink sink = {rn.json, on_record, &rn};
    uint64_t failed = 0;
    if (bw_hash_run(&req, &sink, &failed, &err) != BW_OK) {
        fflush(stdout);
        cli_warn("hash", "%s", bw_error_message(&err));
        return err.status == BW_ERR_ARG ? BW_EXIT_USAGE : BW_EXIT_SOME_FAILED;
    }
    fflush(stdout);
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}

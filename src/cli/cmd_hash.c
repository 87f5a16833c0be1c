/* cmd_hash.c -- `bulwark hash`: PDQ (images), vPDQ (videos) and file
 * digests of files, directories (walked recursively) and stdin.
 *
 * The command line becomes a bw_hash_request; the library's bw_hash_run
 * does the rest (walk, pool, hashing, the JSON) and hands each record to
 * the sink here, which prints it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

typedef struct hash_args {
    cli_common c;
    int exact, dihedral;
    bw_vpdq_opts video;
} hash_args;

static int opt_vpdq_size(const char *verb, const cli_opt *o, const char *arg, void *field)
{
    long long v = cli_parse_uint(arg);
    (void)o;
    if (v < 0 || v > 65535 || (v > 0 && v < 5))
        return cli_usage_error(verb, "--vpdq-size takes 0 (native) or 5 to 65535");
    *(uint32_t *)field = (uint32_t)v;
    return 0;
}

static const cli_opt hash_opts[] = {
    CLI_OPT_JSON("one JSON object per input (JSON Lines)"),
    CLI_OPT_FLAG("exact", hash_args, exact,
                 "decode at full resolution with the decoders' accurate settings: the "
                 "reference's (and HMA's) hashes"),
    CLI_OPT_FLAG("dihedral", hash_args, dihedral, "also the 8 dihedral PDQ hashes (pdq_dihedral)"),
    CLI_OPT_REAL("seconds-per-hash", "S", hash_args, video.seconds_per_hash, 0, 1000000000,
                 "videos: hash one frame every S seconds (default 1); 0 hashes every frame "
                 "(Meta's vpdq-hash-video -r)"),
    CLI_OPT_CALL("vpdq-size", "N", hash_args, video.size, opt_vpdq_size,
                 "videos: scale frames to NxN before hashing (default 0: native size; Meta's "
                 "vpdq-hash-video -s)"),
    CLI_OPT_JOBS,
    CLI_OPT_MAX_PIXELS,
    CLI_OPT_MAX_FILE_SIZE,
    CLI_OPT_LIMIT,
    CLI_OPT_END};

static const cli_cmd hash_cmd = {
    "hash",
    "bulwark hash [--json] [--exact] [--dihedral] [--seconds-per-hash S]\n"
    "                    [--vpdq-size N] [-j N] PATH...",
    "Hash files: PDQ (images), vPDQ (videos: MP4/MOV, WebM/Matroska, AVI,\n"
    "MPEG-TS, FLV; one PDQ per sampled frame) and MD5, SHA-1, SHA-256 (every\n"
    "file). Directories are walked recursively (symbolic links followed, loops\n"
    "reported); '-' reads stdin. The format comes from the file's bytes, never\n"
    "its name. An input that does not decode still gets its digests: its\n"
    "error record carries md5, sha1 and sha256.\n\n",
    hash_opts,
    "Exit: 0 all hashed, 1 some inputs failed (each reported), 2 usage error.\n"};

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
    hash_args a;
    int first, rc;
    bw_error err;
    uint64_t failed = 0;

    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    a.video.seconds_per_hash = 1.0;
    if ((rc = cli_parse(&hash_cmd, argc, argv, &a, &first)) != 0)
        return rc < 0 ? BW_EXIT_OK : rc;
    if ((rc = cli_check_operands("hash", argc, argv, first, "no PATH given")) != 0)
        return rc;
    run rn = {a.c.json};
    bw_hash_request req = {(const char *const *)argv + first, (size_t)(argc - first),
                           STDIN_FILENO, {a.exact, a.dihedral, &a.c.limits}, a.video,
                           (unsigned)a.c.jobs, 1};
    bw_sink sink = {rn.json, on_record, &rn};
    if (bw_hash_run(&req, &sink, &failed, &err) != BW_OK) {
        fflush(stdout);
        cli_warn("hash", "%s", bw_error_message(&err));
        return err.status == BW_ERR_ARG ? BW_EXIT_USAGE : BW_EXIT_SOME_FAILED;
    }
    fflush(stdout);
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}

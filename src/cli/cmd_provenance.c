/* cmd_provenance.c -- `bulwark provenance`: is a file AI-generated, and by
 * what. The options become a bw_provenance_request; bw_provenance_run
 * reads each file (or stdin), finds a sidecar NAME.c2pa next to it and
 * examines it; the sink here prints each record: the library's JSON with
 * --json, else one line per input plus one indented line per signal. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage_text[] =
    "usage: bulwark provenance [--json] [--trust FILE] [--trust-config FILE] PATH...\n"
    "\n"
    "Look for evidence of how each file was made: C2PA Content Credentials (read\n"
    "and validated), IPTC/XMP digital source type, generator metadata (PNG text,\n"
    "EXIF) and invisible watermarks. ai_generated is \"yes\" only on proof (a valid\n"
    "C2PA manifest saying AI, a detected watermark), \"claimed\" when only unsigned\n"
    "generator metadata or a manifest that fails validation says so, else\n"
    "\"no_evidence\": the absence of markers proves nothing. A sidecar manifest\n"
    "NAME.c2pa next to NAME.ext is used when the file has none of its own; a\n"
    "remote manifest referenced in XMP is reported, never fetched. '-' reads stdin.\n"
    "\n"
    "  --json               one JSON object per input (JSON Lines)\n"
    "  --trust FILE         PEM bundle of C2PA trust anchors: signers that chain\n"
    "                       to one validate as \"trusted\" instead of \"valid\"\n"
    "  --trust-config FILE  allowed signer EKU OIDs, one per line (c2pa store.cfg)\n"
    "  --no-watermark       skip the invisible-watermark decoder\n"
    "  --max-file-size S    largest input read into memory, e.g. 512M (default 1G)\n"
    CLI_LIMIT_HELP
    "\n"
    "Exit: 0 all examined, 1 some inputs failed (each reported), 2 usage error.\n";

static void print_human(const char *path, const bw_provenance *p)
{
    printf("%-11s  %s\n",
           p->ai_generated == BW_AI_YES       ? "ai:yes"
           : p->ai_generated == BW_AI_CLAIMED ? "ai:claimed"
                                              : "no_evidence",
           cli_esc(path));
    for (size_t i = 0; i < p->n_signals; i++) {
        const bw_signal *s = &p->signals[i];
        printf("    %-9s %s%s%s%s\n", bw_signal_type_name(s->type), s->verified ? "[verified] " : "",
               cli_esc(s->generator), s->generator && s->detail ? ": " : "", cli_esc(s->detail));
    }
    if (p->c2pa.present && p->c2pa.n_status_codes) {
        printf("    %-9s status:", "c2pa");
        for (size_t i = 0; i < p->c2pa.n_status_codes; i++)
            printf(" %s", cli_esc(p->c2pa.status_codes[i]));
        printf("\n");
    }
}

/* The sink: each input's record, in order. */
static void on_record(void *ctx, const bw_sink_record *rec)
{
    (void)ctx;
    if (rec->note)
        cli_warn("provenance", "%s", rec->note);
    if (rec->json)
        cli_emit_json_bytes(rec->json, rec->json_len);
    else if (rec->status != BW_OK)
        cli_warn("provenance", "%s: %s", rec->path, rec->error);
    else
        print_human(rec->path, rec->result);
}

int cmd_provenance(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},
        {"trust", required_argument, NULL, 'T'},
        {"trust-config", required_argument, NULL, 'C'},
        {"no-watermark", no_argument, NULL, 'W'},
        {"max-file-size", required_argument, NULL, 'S'},
        {"limit", required_argument, NULL, 1000}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    bw_limits limits;
    bw_provenance_opts opts = {0};
    int c, json = 0;
    long long v;

    bw_limits_default(&limits);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'J': json = 1; break;
        case 'T': opts.trust_pem = optarg; break;
        case 'C': opts.trust_config = optarg; break;
        case 'W': opts.no_watermark = 1; break;
        case 'S':
            if ((v = cli_parse_size(optarg)) < 1)
                return cli_usage_error("provenance", "bad --max-file-size: %s", optarg);
            limits.max_file_bytes = (uint64_t)v;
            break;
        case 1000:
            if (cli_set_limit("provenance", &limits, optarg) != 0) {
                return BW_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage_text, stdout); return BW_EXIT_OK;
        default: return cli_usage_error("provenance", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("provenance", "no input named");
    if (opts.trust_pem && access(opts.trust_pem, R_OK) != 0)
        return cli_usage_error("provenance", "cannot read --trust %s", opts.trust_pem);
    if (opts.trust_config && access(opts.trust_config, R_OK) != 0)
        return cli_usage_error("provenance", "cannot read --trust-config %s", opts.trust_config);
    opts.limits = &limits;

    bw_provenance_request req = {(const char *const *)argv + optind, (size_t)(argc - optind),
                                 STDIN_FILENO, opts, 1};
    bw_sink sink = {json, on_record, NULL};
    uint64_t failed = 0;
    bw_error err;
    if (bw_provenance_run(&req, &sink, &failed, &err) != BW_OK) {
        cli_warn("provenance", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    fflush(stdout);
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}

/* cmd_provenance.c -- `bulwark provenance`: is a file AI-generated, and by
 * what. The options become a bw_provenance_request; bw_provenance_run
 * reads each file (or stdin), finds a sidecar NAME.c2pa next to it and
 * examines it; the sink here prints each record: the library's JSON with
 * --json, else one line per input plus one indented line per signal. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

typedef struct provenance_args {
    cli_common c;
    bw_provenance_opts p;
} provenance_args;

static const cli_opt provenance_opts[] = {
    CLI_OPT_JSON("one JSON object per input (JSON Lines)"),
    CLI_OPT_STR("trust", 0, "FILE", provenance_args, p.trust_pem,
                "PEM bundle of C2PA trust anchors: signers that chain to one validate as "
                "\"trusted\" instead of \"valid\""),
    CLI_OPT_STR("trust-config", 0, "FILE", provenance_args, p.trust_config,
                "allowed signer EKU OIDs, one per line (c2pa store.cfg)"),
    CLI_OPT_FLAG("no-watermark", provenance_args, p.no_watermark,
                 "skip the invisible-watermark decoder"),
    CLI_OPT_MAX_FILE_SIZE_HELP("largest input read into memory, e.g. 512M (default 1G)"),
    CLI_OPT_LIMIT,
    CLI_OPT_END};

static const cli_cmd provenance_cmd = {
    "provenance",
    "bulwark provenance [--json] [--trust FILE] [--trust-config FILE] PATH...",
    "Look for evidence of how each file was made: C2PA Content Credentials (read\n"
    "and validated), IPTC/XMP digital source type, generator metadata (PNG text,\n"
    "EXIF) and invisible watermarks. ai_generated is \"yes\" only on proof (a valid\n"
    "C2PA manifest saying AI, a detected watermark), \"claimed\" when only unsigned\n"
    "generator metadata or a manifest that fails validation says so, else\n"
    "\"no_evidence\": the absence of markers proves nothing. A sidecar manifest\n"
    "NAME.c2pa next to NAME.ext is used when the file has none of its own; a\n"
    "remote manifest referenced in XMP is reported, never fetched. '-' reads stdin.\n\n",
    provenance_opts,
    "Exit: 0 all examined, 1 some inputs failed (each reported), 2 usage error.\n"};

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
    provenance_args a;
    bw_error err;
    uint64_t failed = 0;
    int first, rc;

    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    if ((rc = cli_parse(&provenance_cmd, argc, argv, &a, &first)) != 0)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (first >= argc)
        return cli_usage_error("provenance", "no input named");
    if (a.p.trust_pem && access(a.p.trust_pem, R_OK) != 0)
        return cli_usage_error("provenance", "cannot read --trust %s", a.p.trust_pem);
    if (a.p.trust_config && access(a.p.trust_config, R_OK) != 0)
        return cli_usage_error("provenance", "cannot read --trust-config %s", a.p.trust_config);
    a.p.limits = &a.c.limits;
    bw_provenance_request req = {(const char *const *)argv + first, (size_t)(argc - first),
                                 STDIN_FILENO, a.p, 1, NULL, 0};
    bw_sink sink = {a.c.json, on_record, NULL};
    if (bw_provenance_run(&req, &sink, &failed, &err) != BW_OK) {
        cli_warn("provenance", "%s", bw_error_message(&err));
        return BW_EXIT_SOME_FAILED;
    }
    fflush(stdout);
    return failed ? BW_EXIT_SOME_FAILED : BW_EXIT_OK;
}

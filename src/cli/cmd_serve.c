/* cmd_serve.c -- `bulwark serve`: the matching service (src/server/,
 * docs/serve.md). The options become a srv_config; the prompt guard is
 * loaded here as `prompt` loads it; srv_run does the rest until SIGTERM. */
#include <string.h>
#include "cli.h"
#include "server.h"

typedef struct serve_args {
    cli_common c;
    cli_strv listen;
    const char *tokens;
    const char *tls_cert, *tls_key;
    long long max_body;
    long long max_inflight;
    long long max_connections;
    long long timeout;
    cli_strv policies;
    const char *data;
    const char *log;
    long long rate;
    cli_strv fetch_allow;
    int fetch_private;
    long long fetch_max_size;
    long long fetch_timeout;
    const char *db_read;
    long long stale_after;
    const char *index_cache;
} serve_args;

static const cli_opt serve_opts[] = {
    CLI_OPT_STRS("listen", "HOST:PORT", serve_args, listen,
                 "an address to listen on, [V6]:PORT for IPv6 (repeatable, up to 16; default "
                 "127.0.0.1:5100, HMA's port; port 0: any free port; each address bound is "
                 "printed on stderr); without --tokens only loopback addresses"),
    CLI_OPT_DB,
    CLI_OPT_STR("db-read", 0, "URI", serve_args, db_read,
                "read the lists from this store instead (a PostgreSQL hot standby of --db): "
                "lookups and index loads; writes (/c routes) and the change feed stay on --db"),
    CLI_OPT_NUM("stale-after", 0, "SECONDS", serve_args, stale_after, 0, 86400,
                "when the store has not answered for this long, GET /status is 503 "
                "INDEX-STALE while lookups go on from the index there is (default 30; 0: "
                "never)"),
    CLI_OPT_STR("index-cache", 0, "FILE", serve_args, index_cache,
                "keep the index in FILE (after the first load, each full rebuild and at exit) "
                "and start from it: a restart reads only the list versions that came since "
                "(a file of another store, damaged or missing: the full load)"),
    CLI_OPT_STR("tokens", 0, "FILE", serve_args, tokens,
                "bearer tokens, one per line: NAME SCOPE[,SCOPE] sha256:HEX (the SHA-256 of the "
                "token; scopes match, curate, report, admin)"),
    CLI_OPT_STR("tls-cert", 0, "FILE", serve_args, tls_cert,
                "serve HTTPS on every address with this PEM certificate (chain); needs "
                "--tls-key"),
    CLI_OPT_STR("tls-key", 0, "FILE", serve_args, tls_key,
                "the PEM private key of --tls-cert"),
    {CLI_NUM, "jobs", 'j', "N", CLI_C(jobs), 1, 1024, NULL,
     "threads answering requests (default: all cores)"},
    CLI_OPT_SIZE("max-body", "SIZE", serve_args, max_body, 1, 1ll << 40,
                 "largest request body, e.g. 16M (default 64M); larger ones get 413"),
    CLI_OPT_NUM("max-inflight", 0, "N", serve_args, max_inflight, 1, 1000000,
                "requests handled at once (default 256); more get 503 with Retry-After"),
    CLI_OPT_NUM("max-connections", 0, "N", serve_args, max_connections, 1, 1000000,
                "connections open at once, over all the addresses (default 4096); a new "
                "connection past it is closed as soon as it is accepted"),
    CLI_OPT_NUM("timeout", 0, "SECONDS", serve_args, timeout, 1, 86400,
                "the longest a connection may take over one request, from its opening or its "
                "previous reply to the next reply (default 30): idle and slow clients are cut "
                "off, with 408 Request Timeout when no reply was started (not over TLS)"),
    CLI_OPT_STR("log", 0, "FILE", serve_args, log,
                "append the access log to FILE (default: stderr), one JSON object per request: "
                "time, remote, method, route, path (no query string), status, bytes, "
                "duration_ms, token (its NAME); never a body"),
    CLI_OPT_NUM("rate", 0, "N", serve_args, rate, 1, 1000000,
                "at most N requests a second per token (per remote address without --tokens), "
                "in bursts of N; more get 429 with Retry-After (default: no limit; /status and "
                "/status/live are never limited)"),
    CLI_OPT_STRS("fetch-allow", "HOST[:PORT]", serve_args, fetch_allow,
                 "let GET /h/hash?url= and GET /m/lookup?url= fetch from this host (any port, or "
                 "only PORT; IPv6 in brackets), http and https only, each redirect checked again "
                 "(repeatable; default: none, ?url= is refused with 403)"),
    CLI_OPT_FLAG("fetch-private", serve_args, fetch_private,
                 "let the --fetch-allow hosts resolve to private, loopback and link-local "
                 "addresses (refused otherwise: for an internal deployment, and tests)"),
    CLI_OPT_SIZE("fetch-max-size", "SIZE", serve_args, fetch_max_size, 1, 1ll << 40,
                 "largest body a ?url= fetch may bring, e.g. 16M (default: --max-body); larger "
                 "ones get 413"),
    CLI_OPT_NUM("fetch-timeout", 0, "SECONDS", serve_args, fetch_timeout, 1, 3600,
                "the longest a ?url= fetch may take, redirects included (default 10)"),
    CLI_OPT_ALLOW_EMPTY,
    CLI_OPT_INDEX,
    CLI_OPT_STRS("policy", "FILE", serve_args, policies,
                 "prompt guard policy for /v1/prompt, as `prompt --policy` (repeatable)"),
    CLI_OPT_STR("data", 0, "DIR", serve_args, data,
                "the prompt guard's word lists, as `prompt --data`"),
    CLI_OPT_END};

static const cli_cmd serve_cmd = {
    "serve",
    "bulwark serve [--listen HOST:PORT]... [--db PATH|URI] [--db-read URI]\n"
    "                     [--stale-after SECONDS] [--index-cache FILE]\n"
    "                     [--tokens FILE] [-j N]\n"
    "                     [--tls-cert FILE --tls-key FILE] [--max-body SIZE]\n"
    "                     [--max-inflight N] [--max-connections N] [--timeout SECONDS]\n"
    "                     [--log FILE] [--rate N] [--allow-empty] [--index fast|compact]\n"
    "                     [--fetch-allow HOST[:PORT]]... [--fetch-private]\n"
    "                     [--fetch-max-size SIZE] [--fetch-timeout SECONDS]",
    "The matching service for platforms: HMA's API (GET /m/raw_lookup, /m/lookup,\n"
    "/m/index/status, /c/banks, /c/bank/NAME, /status, /status/live, /site-map;\n"
    "POST /m/compare; the curation writes, with a curate token: POST /c/banks,\n"
    "PUT|DELETE /c/bank/NAME, POST /c/bank/NAME/signal and /content, GET|PUT|\n"
    "DELETE /c/bank/NAME/content/ID, content disabled until a time at once;\n"
    "POST /h/hash and /m/lookup with a multipart photo or video upload; GET\n"
    "/h/hash?url= and /m/lookup?url= with --fetch-allow, the URL fetched into\n"
    "memory from the allowed hosts only) and\n"
    "bulwark's own (GET /v1/lookup, /v1/lists; POST /v1/prompt, /v1/scan and\n"
    "/v1/provenance, the last two answering for an uploaded file what `scan\n"
    "--json` and `provenance --json` answer for it on stdin), over the lists of\n"
    "the store (--db PATH); GET /metrics (Prometheus text, admin scope) and GET\n"
    "/openapi.json. Uploads are held in memory (--max-body) and never written to\n"
    "disk. A list changed by another process is matched within two seconds.\n"
    "/status is 503 INDEX-NOT-LOADED until the index is loaded, and 503\n"
    "INDEX-STALE while the store cannot be reached (--stale-after). Several\n"
    "nodes may serve one PostgreSQL store: each follows its change feed\n"
    "(LISTEN/NOTIFY), applying only the list versions it lacks. SIGHUP reloads\n"
    "the --tokens file (a file that does not load keeps the tokens there are).\n"
    "SIGTERM or SIGINT stops accepting, finishes the requests in flight and\n"
    "exits. Routes, tokens and limits: docs/serve.md.\n\n",
    serve_opts,
    "Exit: 0 stopped by SIGTERM or SIGINT, 1 the store could not be loaded,\n"
    "2 usage or configuration error (nothing served).\n"};

int cmd_serve(int argc, char **argv)
{
    serve_args a;
    bw_prompt_guard *guard = NULL;
    int first, rc;

    memset(&a, 0, sizeof a);
    cli_common_init(&a.c);
    a.max_body = 64ll << 20;
    a.max_inflight = 256;
    a.max_connections = 4096;
    a.timeout = 30;
    a.fetch_timeout = 10;
    a.stale_after = 30;
    if ((rc = cli_parse(&serve_cmd, argc, argv, &a, &first)) != 0)
        return rc < 0 ? BW_EXIT_OK : rc;
    if (first < argc) {
        cli_args_free(&serve_cmd, &a);
        return cli_usage_error("serve", "serve takes no operands ('%s')", argv[first]);
    }
    if (!a.tls_cert != !a.tls_key) {
        cli_args_free(&serve_cmd, &a);
        return cli_usage_error("serve", "--tls-cert and --tls-key go together: give both (%s "
                               "without %s)", a.tls_cert ? "--tls-cert" : "--tls-key",
                               a.tls_cert ? "--tls-key" : "--tls-cert");
    }
    const char *db = cli_db_path(a.c.db);
    if (!db) {
        cli_args_free(&serve_cmd, &a);
        cli_warn("serve", "cannot tell where the store is: give --db PATH or set BULWARK_DB");
        return BW_EXIT_USAGE;
    }
    rc = cli_load_prompt_guard("serve", a.data, &a.policies, NULL, &guard);
    if (rc != BW_EXIT_OK) {
        cli_args_free(&serve_cmd, &a);
        return rc;
    }
    static const char *const default_listen[] = {"127.0.0.1:5100"};
    srv_config cfg = {a.listen.n ? a.listen.v : default_listen, a.listen.n ? a.listen.n : 1,
                      a.tls_cert, a.tls_key, db, a.tokens, (unsigned)a.c.jobs,
                      (uint64_t)a.max_body, (unsigned)a.max_inflight,
                      (unsigned)a.max_connections, (unsigned)a.timeout, a.c.allow_empty, {0},
                      guard, a.log, (unsigned)a.rate,
                      {a.fetch_allow.v, a.fetch_allow.n, a.fetch_private,
                       (uint64_t)(a.fetch_max_size ? a.fetch_max_size : a.max_body),
                       (unsigned)a.fetch_timeout * 1000u, BW_FETCH_DEFAULT_MAX_REDIRECTS},
                      NULL, 0, NULL};
    cfg.iopts.layout = a.c.index;
    cfg.db_read = a.db_read;
    cfg.stale_after = (unsigned)a.stale_after;
    cfg.index_cache = a.index_cache;
    bw_error err;
    if (bw_fetch_policy_check(&cfg.fetch, &err) != BW_OK)
        rc = cli_usage_error("serve", "--fetch-allow %s", bw_error_message(&err));
    else
        rc = srv_run(&cfg); /* the --fetch-allow values live until it returns */
    cli_args_free(&serve_cmd, &a);
    bw_prompt_guard_free(guard);
    return rc;
}

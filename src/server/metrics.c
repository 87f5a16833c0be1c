/* metrics.c -- the counters of `bulwark serve` and GET /metrics, in
 * Prometheus's text exposition format 0.0.4 (the server's own output
 * format, as HTTP is: the library writes JSON, not this). Every counter is
 * a relaxed atomic add on the request's path, nothing else: requests by
 * route and status code, a latency histogram per route, matches by list
 * (a fixed open-addressed table whose names are set once, by
 * compare-and-swap), token reloads. Gauges (in flight, the index's size
 * and age, its reloads) are read when /metrics is asked. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "router.h"
#include "server.h"

/* The status codes counted one by one; any other is counted as "other". */
static const int codes[] = {200, 201, 204, 400, 401, 403, 404, 405, 408, 409,
                            413, 415, 422, 429, 500, 501, 503, 504};
#define NCODES (sizeof codes / sizeof codes[0])

/* The histogram's upper bounds, in microseconds and as written. */
static const uint64_t bounds_us[] = {500,    1000,   2500,    5000,    10000,
                                     25000,  50000,  100000,  250000,  500000,
                                     1000000, 2500000, 5000000, 10000000};
static const char *const bounds_txt[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                         "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                         "1",      "2.5",   "5",      "10"};
#define NBOUNDS (sizeof bounds_us / sizeof bounds_us[0])

#define NLISTS 256 /* lists counted by name; more are counted as "(other)" */

typedef struct route_counters {
    atomic_uint_fast64_t by_code[NCODES + 1]; /* the last: any other code */
    atomic_uint_fast64_t bucket[NBOUNDS + 1]; /* not cumulative; the last: over 10 s */
    atomic_uint_fast64_t sum_us;
} route_counters;

typedef struct list_counter {
    _Atomic(char *) name;
    atomic_uint_fast64_t n;
} list_counter;

struct srv_metrics {
    size_t nroutes;
    route_counters *routes;       /* nroutes + 1: the last for requests of no route */
    list_counter lists[NLISTS];
    atomic_uint_fast64_t lists_other;
    atomic_uint_fast64_t token_reloads[2]; /* failed, ok */
};

srv_metrics *srv_metrics_new(size_t nroutes)
{
    srv_metrics *m = calloc(1, sizeof *m);
    if (!m || !(m->routes = calloc(nroutes + 1, sizeof *m->routes))) {
        free(m);
        return NULL;
    }
    m->nroutes = nroutes;
    return m;
}

void srv_metrics_free(srv_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < NLISTS; i++)
        free(atomic_load(&m->lists[i].name));
    free(m->routes);
    free(m);
}

static void add(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void srv_metrics_request(srv_service *svc, const srv_observed *o)
{
    srv_metrics *m = svc->metrics;
    size_t r = o->route ? (size_t)(o->route - svc->routes) : m->nroutes;
    size_t c = 0, b = 0;
    if (r > m->nroutes)
        r = m->nroutes;
    while (c < NCODES && codes[c] != o->status)
        c++;
    while (b < NBOUNDS && o->micros > bounds_us[b])
        b++;
    route_counters *rc = &m->routes[r];
    add(&rc->by_code[c], 1);
    add(&rc->bucket[b], 1);
    add(&rc->sum_us, o->micros);
}

/* The counter of a list's name: found, or claimed in the first free slot. */
static atomic_uint_fast64_t *list_slot(srv_metrics *m, const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (size_t i = 0; i < NLISTS; i++) {
        list_counter *lc = &m->lists[(h + i) % NLISTS];
        char *cur = atomic_load_explicit(&lc->name, memory_order_acquire);
        if (!cur) {
            char *mine = strdup(name);
            if (!mine)
                return &m->lists_other;
            if (atomic_compare_exchange_strong(&lc->name, &cur, mine))
                return &lc->n;
            free(mine); /* another thread took the slot: cur is its name */
        }
        if (strcmp(cur, name) == 0)
            return &lc->n;
    }
    return &m->lists_other;
}

void srv_metrics_matches(srv_service *svc, const bw_matches *ms, const char *banks)
{
    for (size_t i = 0; i < ms->n; i++)
        if (!banks || bw_hma_bank_selected(banks, ms->v[i].list))
            add(list_slot(svc->metrics, ms->v[i].list), 1);
}

void srv_metrics_token_reload(srv_service *svc, int ok)
{
    add(&svc->metrics->token_reloads[ok ? 1 : 0], 1);
}

/* ---------------- the exposition ---------------- */

typedef struct out {
    srv_reply *rp;
    int failed;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf || srv_reply_append(o->rp, buf, (size_t)n) != 0)
        o->failed = 1;
}

/* A label value escaped as the format says: \\, \" and \n. */
static void label_value(char *dst, size_t size, const char *s)
{
    size_t k = 0;
    for (; *s && k + 3 < size; s++) {
        if (*s == '\\' || *s == '"' || *s == '\n') {
            dst[k++] = '\\';
            dst[k++] = *s == '\n' ? 'n' : *s;
        } else {
            dst[k++] = *s;
        }
    }
    dst[k] = '\0';
}

static void header(out *o, const char *name, const char *type, const char *help)
{
    put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* method="GET",route="/m/lookup" of route r (the last: none). */
static void route_labels(srv_service *svc, size_t r, char *dst, size_t size)
{
    char v[256];
    if (r == svc->metrics->nroutes) {
        snprintf(dst, size, "method=\"other\",route=\"unknown\"");
        return;
    }
    label_value(v, sizeof v, svc->routes[r].site);
    snprintf(dst, size, "method=\"%s\",route=\"%s\"", svc->routes[r].method, v);
}

static void write_requests(srv_service *svc, out *o)
{
    srv_metrics *m = svc->metrics;
    char labels[400];
    header(o, "bulwark_http_requests_total", "counter",
           "HTTP requests answered, by route and status code.");
    for (size_t r = 0; r <= m->nroutes; r++) {
        route_labels(svc, r, labels, sizeof labels);
        for (size_t c = 0; c <= NCODES; c++) {
            uint64_t n = get(&m->routes[r].by_code[c]);
            if (!n)
                continue;
            if (c < NCODES)
                put(o, "bulwark_http_requests_total{%s,code=\"%d\"} %" PRIu64 "\n", labels,
                    codes[c], n);
            else
                put(o, "bulwark_http_requests_total{%s,code=\"other\"} %" PRIu64 "\n", labels, n);
        }
    }
}

static void write_histogram(srv_service *svc, out *o)
{
    srv_metrics *m = svc->metrics;
    char labels[400];
    header(o, "bulwark_http_request_duration_seconds", "histogram",
           "Time from a request's headers to its reply, by route.");
    for (size_t r = 0; r <= m->nroutes; r++) {
        uint64_t counts[NBOUNDS + 1], total = 0;
        for (size_t b = 0; b <= NBOUNDS; b++)
            total += counts[b] = get(&m->routes[r].bucket[b]);
        if (!total)
            continue;
        route_labels(svc, r, labels, sizeof labels);
        uint64_t cum = 0;
        for (size_t b = 0; b < NBOUNDS; b++) {
            cum += counts[b];
            put(o, "bulwark_http_request_duration_seconds_bucket{%s,le=\"%s\"} %" PRIu64 "\n",
                labels, bounds_txt[b], cum);
        }
        put(o, "bulwark_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n",
            labels, total);
        put(o, "bulwark_http_request_duration_seconds_sum{%s} %.6f\n", labels,
            (double)get(&m->routes[r].sum_us) / 1e6);
        put(o, "bulwark_http_request_duration_seconds_count{%s} %" PRIu64 "\n", labels, total);
    }
}

static void write_index(srv_service *svc, out *o)
{
    bw_matcher *mt = atomic_load(&svc->matcher);
    int64_t built = atomic_load(&svc->index_built_ms);
    size_t parts = 0;
    header(o, "bulwark_index_loaded", "gauge", "1 once the index is loaded, else 0.");
    put(o, "bulwark_index_loaded %d\n", mt ? 1 : 0);
    header(o, "bulwark_index_hashes", "gauge",
           "Hashes in the index, by signal type (a hash re-imported since the last full "
           "rebuild counts twice until it).");
    for (int k = 0; k < BW_HASH_KIND_COUNT; k++)
        put(o, "bulwark_index_hashes{type=\"%s\"} %zu\n", bw_hash_kind_name((bw_hash_kind)k),
            mt ? bw_matcher_index_count(mt, (bw_hash_kind)k, &parts) : 0);
    header(o, "bulwark_index_parts", "gauge",
           "Indexes in use: 1 after a full rebuild, one more for each change since.");
    put(o, "bulwark_index_parts %zu\n", parts);
    if (mt && built > 0) {
        header(o, "bulwark_index_age_seconds", "gauge",
               "Seconds since the index in use was built or last changed.");
        put(o, "bulwark_index_age_seconds %.3f\n", (double)(srv_now_ms() - built) / 1e3);
    }
    header(o, "bulwark_index_reloads_total", "counter",
           "Times the index was changed after the store changed.");
    put(o, "bulwark_index_reloads_total %" PRIu64 "\n", mt ? bw_matcher_reloads(mt) : 0);
    header(o, "bulwark_index_compactions_total", "counter",
           "Full rebuilds of the index in the background.");
    put(o, "bulwark_index_compactions_total %" PRIu64 "\n", mt ? bw_matcher_compactions(mt) : 0);
    header(o, "bulwark_index_rows_read_total", "counter",
           "Hashes read from the store for the index: the first load, each change (only the "
           "list versions the index lacks) and each full rebuild.");
    put(o, "bulwark_index_rows_read_total %" PRIu64 "\n", mt ? bw_matcher_rows_read(mt) : 0);
    header(o, "bulwark_index_stale", "gauge",
           "1 when the store has not answered for --stale-after seconds (/status INDEX-STALE); "
           "lookups go on with the index there is.");
    put(o, "bulwark_index_stale %d\n", mt && srv_index_stale(svc) ? 1 : 0);
}

static void write_matches(srv_service *svc, out *o)
{
    srv_metrics *m = svc->metrics;
    char v[512];
    header(o, "bulwark_matches_total", "counter", "Matches answered, by list.");
    for (size_t i = 0; i < NLISTS; i++) {
        const char *name = atomic_load_explicit(&m->lists[i].name, memory_order_acquire);
        if (!name)
            continue;
        label_value(v, sizeof v, name);
        put(o, "bulwark_matches_total{list=\"%s\"} %" PRIu64 "\n", v, get(&m->lists[i].n));
    }
    if (get(&m->lists_other))
        put(o, "bulwark_matches_total{list=\"(other)\"} %" PRIu64 "\n", get(&m->lists_other));
}

int srv_metrics_write(srv_service *svc, srv_reply *rp)
{
    out o = {rp, 0};
    srv_metrics *m = svc->metrics;
    write_requests(svc, &o);
    write_histogram(svc, &o);
    header(&o, "bulwark_http_requests_in_flight", "gauge",
           "Requests received and not yet answered (this one included).");
    put(&o, "bulwark_http_requests_in_flight %u\n", atomic_load(&svc->inflight));
    write_index(svc, &o);
    write_matches(svc, &o);
    header(&o, "bulwark_token_reloads_total", "counter",
           "Reloads of the token file on SIGHUP, by result.");
    put(&o, "bulwark_token_reloads_total{result=\"ok\"} %" PRIu64 "\n", get(&m->token_reloads[1]));
    put(&o, "bulwark_token_reloads_total{result=\"failed\"} %" PRIu64 "\n",
        get(&m->token_reloads[0]));
    return o.failed ? -1 : 0;
}

int64_t srv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

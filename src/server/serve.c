/* serve.c -- the life of `bulwark serve` (server.h): the configuration is
 * checked before anything is bound (tokens, loopback without them, the
 * store); the socket is bound and its address printed; the HTTP pool
 * starts at once, so /status/live answers while a loader thread builds
 * the index (/status is 503 INDEX-NOT-LOADED until then); the main thread
 * waits for signals: SIGHUP reloads the token file, SIGTERM or SIGINT
 * stop accepting, let the requests in flight finish, and exit 0. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "router.h"
#include "server.h"

#define DRAIN_SECONDS 30    /* the longest SIGTERM waits for requests in flight */
#define STORE_POLL_MS 500   /* --allow-empty without a store: how often to look for one */
#define LISTEN_BACKLOG 4096 /* the kernel caps it at net.core.somaxconn */
#define REFRESH_MS 500      /* how often the loader asks the store whether a list changed */

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line on stderr in one write(2): the access log's lines from the
 * pool's threads may go there too, and must not cut it. */
static void warn(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n = snprintf(line, sizeof line, "bulwark: serve: ");
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---------------- the address ---------------- */

/* HOST:PORT or [V6]:PORT resolved (numeric port); NULL after a message. */
static struct addrinfo *resolve(const char *listen)
{
    char host[256];
    const char *colon = strrchr(listen, ':'), *h = listen;
    size_t hn = colon ? (size_t)(colon - listen) : 0;
    if (hn >= 2 && listen[0] == '[' && listen[hn - 1] == ']')
        h++, hn -= 2;
    if (!colon || !colon[1] || hn == 0 || hn >= sizeof host) {
        warn("--listen takes HOST:PORT, e.g. 127.0.0.1:5100 ('%s')", listen);
        return NULL;
    }
    memcpy(host, h, hn);
    host[hn] = '\0';
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0) {
        warn("cannot listen on %s: %s", listen, gai_strerror(rc));
        return NULL;
    }
    return ai;
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 0;
}

/* Bind and listen; print the address (with the port chosen for 0). */
static int open_socket(const struct addrinfo *ai)
{
    char host[NI_MAXHOST], port[NI_MAXSERV];
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        /* [::] is IPv6 only: 0.0.0.0 may be given beside it, on the same port */
        (ai->ai_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        warn("cannot listen: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (ai->ai_family == AF_INET6)
        warn("listening on [%s]:%s", host, port);
    else
        warn("listening on %s:%s", host, port);
    return fd;
}

/* ---------------- the store and the index ---------------- */

/* Open the store now: a configuration error shows before anything is
 * bound. *store stays NULL for a missing store with --allow-empty.
 * Returns an exit code. */
static int check_store(const srv_config *cfg, bw_store **store)
{
    bw_error err;
    uint64_t n = 0;
    *store = NULL;
    bw_status st = bw_store_open(store, cfg->db, BW_STORE_MUST_EXIST | BW_STORE_LOOKUPS, &err);
    if (st == BW_ERR_NOT_FOUND && access(cfg->db, F_OK) != 0) {
        if (cfg->allow_empty)
            return 0;
        warn("no store at %s: nothing to match against (create it with `bulwark lists import`, "
             "or give --allow-empty to start without lists)", cfg->db);
        return 2;
    }
    if (st == BW_OK)
        st = bw_store_list_count(*store, &n, &err);
    if (st != BW_OK) {
        warn("%s", bw_error_message(&err));
        bw_store_close(*store);
        *store = NULL;
        return 2;
    }
    if (n == 0 && !cfg->allow_empty) {
        warn("the store %s has no lists: nothing to match against (import one with `bulwark "
             "lists import`, or give --allow-empty)", cfg->db);
        bw_store_close(*store);
        *store = NULL;
        return 2;
    }
    return 0;
}

typedef struct loader {
    srv_service *svc;
    bw_store *store;
    pthread_t main;
    int failed;
    pthread_t saver;           /* --index-cache: a save running beside the refresher */
    int saving;                /* saver was started and not joined */
    _Atomic int saved;         /* it is done */
} loader;

int srv_index_stale(srv_service *svc)
{
    unsigned after = svc->cfg->stale_after;
    int64_t ok = atomic_load(&svc->index_ok_ms);
    return after && ok && srv_now_ms() - ok > (int64_t)after * 1000;
}

/* The change feed: a connection of its own to --db (writes are announced
 * on the primary, never by a replica) waiting for an announcement. Waits
 * up to ms and returns the version announced (0: none, or no feed: the
 * backend has none, SQLite, or the database is away: the time is slept). */
typedef struct feed {
    bw_store *s;
    int none;       /* the backend has no change feed */
} feed;

static int64_t feed_wait(srv_service *svc, feed *f, int ms)
{
    int64_t version = 0, until = srv_now_ms() + ms;
    bw_status st = BW_ERR_UNSUPPORTED;
    if (!f->none && !f->s && bw_store_open(&f->s, svc->cfg->db, BW_STORE_MUST_EXIST, NULL) != BW_OK)
        f->s = NULL;
    if (f->s && (st = bw_store_wait_change(f->s, ms, &version, NULL)) == BW_ERR_UNSUPPORTED) {
        f->none = 1;
        bw_store_close(f->s);
        f->s = NULL;
    }
    if (st == BW_OK && version > 0)
        return version;
    while (srv_now_ms() < until && !atomic_load(&svc->stopping))
        sleep_ms(until - srv_now_ms() < 50 ? until - srv_now_ms() : 50);
    return 0;
}

/* After the first load the loader thread is the refresher: it waits for
 * the change feed's announcement of a commit (another process, a /c
 * route, another node), or REFRESH_MS at most, then asks the store
 * whether another connection committed and if so builds the index of the
 * list versions it lacks beside the old one and swaps it in. An
 * announcement not seen yet by the store lookups read (--db-read, a
 * replica replaying) is asked again every 50 ms for 2 s. Lookups never
 * refresh themselves, so none of them waits for a rebuild, and a change
 * is matched within 2 s even when no lookup comes (/m/index/status shows
 * it). A failed check keeps the index there is and is tried again; the
 * store unreachable for --stale-after makes /status INDEX-STALE. */
/* --index-cache: the index written to its file, beside the refresher
 * (a big index takes seconds to write, and changes must not wait). */
static void save_index(srv_service *svc, bw_matcher *m)
{
    bw_error err;
    int64_t t0 = srv_now_ms();
    if (bw_matcher_save(m, svc->cfg->index_cache, &err) != BW_OK)
        warn("--index-cache: %s", bw_error_message(&err));
    else
        warn("index cache %s written in %lld ms", svc->cfg->index_cache,
             (long long)(srv_now_ms() - t0));
}

static void *saver(void *arg)
{
    loader *ld = arg;
    save_index(ld->svc, atomic_load(&ld->svc->matcher));
    atomic_store(&ld->saved, 1);
    return NULL;
}

/* A save wanted (want), or the last one to be waited for (want 0). */
static void save_soon(loader *ld, int want)
{
    if (ld->saving && (!want || atomic_load(&ld->saved))) {
        pthread_join(ld->saver, NULL);
        ld->saving = 0;
    }
    if (want && !ld->saving) {
        atomic_store(&ld->saved, 0);
        ld->saving = pthread_create(&ld->saver, NULL, saver, ld) == 0;
    }
}

static void refresh_until_stopped(loader *ld, bw_matcher *m, int save)
{
    srv_service *svc = ld->svc;
    feed f = {NULL, 0};
    uint64_t compactions = bw_matcher_compactions(m);
    int64_t hurry_until = 0;
    int away = 0;
    atomic_store(&svc->index_ok_ms, srv_now_ms());
    while (!atomic_load(&svc->stopping)) {
        int reloaded = 0;
        bw_error err;
        int64_t announced = feed_wait(svc, &f, hurry_until ? 50 : REFRESH_MS);
        if (atomic_load(&svc->stopping))
            break;
        if (bw_matcher_refresh(m, &reloaded, &err) == BW_OK) {
            atomic_store(&svc->index_ok_ms, srv_now_ms());
            if (away)
                warn("the store answers again: the index is followed again");
            away = 0;
        } else if (!away) {
            warn("%s: serving from the index there is, trying again", bw_error_message(&err));
            away = 1;
        }
        if (reloaded)
            atomic_store(&svc->index_built_ms, srv_now_ms());
        if (announced && !reloaded)
            hurry_until = srv_now_ms() + 2000;
        if (reloaded || srv_now_ms() > hurry_until)
            hurry_until = 0;
        if (svc->cfg->index_cache && (save || bw_matcher_compactions(m) != compactions) &&
            (!ld->saving || atomic_load(&ld->saved))) {
            compactions = bw_matcher_compactions(m); /* a new full index: keep it */
            save_soon(ld, 1);
            save = 0;
        }
    }
    save_soon(ld, 0);
    bw_store_close(f.s);
}

/* The matcher of store s, from --index-cache when it can (*cached). */
static bw_status open_matcher(srv_service *svc, bw_store *s, bw_matcher **m, int *cached,
                              bw_error *err)
{
    bw_error why;
    *cached = 0;
    if (!svc->cfg->index_cache)
        return bw_matcher_open_store(m, s, NULL, 0, &svc->cfg->iopts, err);
    int64_t t0 = srv_now_ms();
    bw_status st = bw_matcher_open_cached(m, s, NULL, 0, &svc->cfg->iopts, svc->cfg->index_cache,
                                          cached, &why, err);
    if (st == BW_OK && *cached)
        warn("index from the cache %s in %lld ms: %zu hashes, %llu read from the store since",
             svc->cfg->index_cache, (long long)(srv_now_ms() - t0),
             bw_matcher_index_count(*m, BW_HASH_PDQ, NULL) +
                 bw_matcher_index_count(*m, BW_HASH_MD5, NULL) +
                 bw_matcher_index_count(*m, BW_HASH_SHA1, NULL) +
                 bw_matcher_index_count(*m, BW_HASH_SHA256, NULL),
             (unsigned long long)bw_matcher_rows_read(*m));
    else if (st == BW_OK)
        warn("--index-cache: %s: loaded from the store instead", bw_error_message(&why));
    return st;
}

/* The store lookups and index loads read: --db-read when given (the
 * store checked at start-up is --db's), else the one opened already. */
static bw_store *reading_store(loader *ld, bw_error *err)
{
    bw_store *s = ld->store;
    ld->store = NULL;
    if (!ld->svc->cfg->db_read)
        return s;
    bw_store_close(s);
    s = NULL;
    if (bw_store_open(&s, ld->svc->cfg->db_read,
                      BW_STORE_MUST_EXIST | BW_STORE_READONLY | BW_STORE_LOOKUPS, err) !=
        BW_OK)
        s = NULL;
    return s;
}

/* The loader thread: wait for the store if there is none yet, build the
 * index, publish the matcher, then keep it fresh. A failed first load
 * stops the server (exit 1). */
static void *load(void *arg)
{
    loader *ld = arg;
    srv_service *svc = ld->svc;
    bw_error err;
    bw_matcher *m = NULL;
    while (!ld->store && !atomic_load(&svc->stopping)) {
        if (bw_store_open(&ld->store, svc->cfg->db, BW_STORE_MUST_EXIST | BW_STORE_LOOKUPS,
                          NULL) != BW_OK) {
            ld->store = NULL;
            sleep_ms(STORE_POLL_MS);
        }
    }
    if (!ld->store)
        return NULL;
    bw_store *s = reading_store(ld, &err); /* the matcher takes it, also on failure */
    int cached = 0;
    if (!s || open_matcher(svc, s, &m, &cached, &err) != BW_OK) {
        warn("cannot load the lists: %s", bw_error_message(&err));
        ld->failed = 1;
        pthread_kill(ld->main, SIGTERM);
        return NULL;
    }
    bw_matcher_set_refresh(m, -1); /* this thread refreshes, not the lookups */
    atomic_store(&svc->index_built_ms, srv_now_ms());
    atomic_store(&svc->matcher, m);
    refresh_until_stopped(ld, m, !cached); /* a full load is kept at once */
    return NULL;
}

/* ---------------- running ---------------- */

/* The addresses, each resolved, then bound, then served by a daemon. */
typedef struct listener {
    struct addrinfo *ai;
    int fd;
    struct MHD_Daemon *d;
} listener;

#define PEM_MAX (1 << 20) /* bytes of a --tls-cert or --tls-key file */

/* A PEM file read whole (NUL-terminated, as libmicrohttpd takes it), or
 * NULL after a message naming it. */
static char *read_pem(const char *opt, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(PEM_MAX + 1) : NULL;
    size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
    int bad = !f || !buf || ferror(f) || n == 0 || n > PEM_MAX;
    const char *why = !f ? strerror(errno) : !buf ? "out of memory"
                      : ferror(f) ? "read error" : n == 0 ? "empty file" : "over 1 MiB";
    if (bad) {
        warn("%s: cannot read %s: %s", opt, path, why);
        free(buf);
        buf = NULL;
    } else {
        buf[n] = '\0';
    }
    if (f)
        fclose(f);
    return buf;
}

/* --tls-cert and --tls-key (cmd_serve.c saw that both or neither are
 * given): libmicrohttpd must have TLS, and both files must be readable. */
static int check_tls(const srv_config *cfg, srv_service *svc)
{
    if (!cfg->tls_cert)
        return 0;
    if (!srv_http_tls_supported()) {
        warn("--tls-cert: this libmicrohttpd was built without TLS (GnuTLS); serve plain HTTP "
             "behind a TLS proxy, or install a libmicrohttpd with TLS");
        return 2;
    }
    if (!(svc->tls_cert = read_pem("--tls-cert", cfg->tls_cert)) ||
        !(svc->tls_key = read_pem("--tls-key", cfg->tls_key)))
        return 2;
    return 0;
}

/* The checks before binding: the tokens, every address (loopback only
 * without tokens), TLS. */
static int check_config(const srv_config *cfg, srv_service *svc, listener *ls)
{
    bw_error err;
    if (cfg->tokens && bw_tokens_load(&svc->tokens, cfg->tokens, &err) != BW_OK) {
        warn("--tokens: %s", bw_error_message(&err));
        return 2;
    }
    for (size_t i = 0; i < cfg->nlisten; i++) {
        if (!(ls[i].ai = resolve(cfg->listen[i])))
            return 2;
        if (!svc->tokens && !is_loopback(ls[i].ai->ai_addr)) {
            warn("refusing to listen on %s without --tokens: only loopback addresses may be "
                 "bound without authentication", cfg->listen[i]);
            return 2;
        }
    }
    return check_tls(cfg, svc);
}

/* Connections are file descriptors: the soft limit is raised to the hard
 * one, and a limit too low for --max-connections is said (the connections
 * past it are refused by the kernel's accept, not by the server). */
static void raise_nofile(const srv_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    unsigned long long need = (unsigned long long)cfg->max_connections * cfg->nlisten + 64;
    if (rl.rlim_cur != RLIM_INFINITY && (unsigned long long)rl.rlim_cur < need)
        warn("only %llu file descriptors (RLIMIT_NOFILE) for --max-connections %u on %zu "
             "address(es): connections past the limit will fail to be accepted",
             (unsigned long long)rl.rlim_cur, cfg->max_connections, cfg->nlisten);
}

void srv_tokens_reload(srv_service *svc)
{
    bw_error err;
    bw_tokens *fresh = NULL, *old;
    const char *path = svc->cfg->tokens;
    if (!path) {
        warn("SIGHUP: no --tokens file to reload");
        return;
    }
    if (bw_tokens_load(&fresh, path, &err) != BW_OK) {
        pthread_rwlock_rdlock(&svc->tokens_lock);
        size_t n = bw_tokens_count(svc->tokens);
        pthread_rwlock_unlock(&svc->tokens_lock);
        warn("SIGHUP: --tokens: %s; keeping the %zu tokens loaded before", bw_error_message(&err),
             n);
        srv_metrics_token_reload(svc, 0);
        return;
    }
    pthread_rwlock_wrlock(&svc->tokens_lock);
    old = svc->tokens;
    svc->tokens = fresh;
    pthread_rwlock_unlock(&svc->tokens_lock);
    bw_tokens_free(old); /* no request holds it: they read it under the read lock */
    warn("SIGHUP: reloaded %zu tokens from %s", bw_tokens_count(fresh), path);
    srv_metrics_token_reload(svc, 1);
}

/* Until SIGTERM or SIGINT (SIGHUP: the tokens reloaded); then stop
 * accepting on every address and drain. */
static void wait_and_drain(srv_service *svc, listener *ls, size_t n, const sigset_t *set)
{
    int sig = 0;
    while (sigwait(set, &sig) == 0 && sig == SIGHUP)
        srv_tokens_reload(svc);
    atomic_store(&svc->stopping, 1);
    for (size_t i = 0; i < n; i++)
        srv_http_quiesce(ls[i].d);
    for (int i = 0; i < DRAIN_SECONDS * 100 && atomic_load(&svc->inflight) > 0; i++)
        sleep_ms(10);
}

/* Stop what was started: the daemons, then their sockets. */
static void stop_listeners(listener *ls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ls[i].d)
            srv_http_stop(ls[i].d);
        if (ls[i].fd >= 0)
            close(ls[i].fd);
        ls[i].d = NULL;
        ls[i].fd = -1;
    }
}

/* Bind every address (each printed), then a daemon on each; 0 or 2. */
static int start_listeners(srv_service *svc, listener *ls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((ls[i].fd = open_socket(ls[i].ai)) < 0)
            return 2;
    for (size_t i = 0; i < n; i++)
        if (!(ls[i].d = srv_http_start(svc, ls[i].fd, ls[i].ai->ai_family == AF_INET6)))
            return 2;
    return 0;
}

static int serve(srv_service *svc, listener *ls, bw_store *store, const sigset_t *set)
{
    loader ld = {svc, store, pthread_self(), 0, 0, 0, 0};
    pthread_t th;
    size_t n = svc->cfg->nlisten;
    if (!(svc->deadlines = srv_deadlines_start(svc->cfg->timeout)) ||
        start_listeners(svc, ls, n) != 0 || pthread_create(&th, NULL, load, &ld) != 0) {
        stop_listeners(ls, n);
        srv_deadlines_stop(svc->deadlines);
        bw_store_close(store);
        return 2;
    }
    wait_and_drain(svc, ls, n, set);
    stop_listeners(ls, n);
    srv_deadlines_stop(svc->deadlines);
    pthread_join(th, NULL);
    bw_store_close(ld.store);
    if (svc->cfg->index_cache && atomic_load(&svc->matcher))
        save_index(svc, atomic_load(&svc->matcher)); /* what a restart starts from */
    bw_matcher_close(atomic_load(&svc->matcher));
    return ld.failed ? 1 : 0;
}

/* The operations' parts: counters, the access log, the rate's buckets. */
static int start_ops(srv_service *svc)
{
    if (!(svc->metrics = srv_metrics_new(svc->nroutes)) ||
        !(svc->access = srv_access_open(svc->cfg->log)))
        return 2;
    if (svc->cfg->rate && !(svc->limiter = srv_limiter_new(svc->cfg->rate)))
        return 2;
    return 0;
}

static void stop_ops(srv_service *svc)
{
    srv_limiter_free(svc->limiter);
    srv_access_close(svc->access);
    srv_metrics_free(svc->metrics);
}

/* The key's bytes wiped before they are let go. */
static void free_tls(srv_service *svc)
{
    if (svc->tls_key)
        explicit_bzero(svc->tls_key, strlen(svc->tls_key));
    free(svc->tls_key);
    free(svc->tls_cert);
}

int srv_run(const srv_config *cfg)
{
    srv_service svc = {.cfg = cfg, .routes = srv_routes, .nroutes = srv_nroutes};
    listener ls[SRV_MAX_LISTEN];
    bw_store *store = NULL;
    sigset_t set;
    for (size_t i = 0; i < SRV_MAX_LISTEN; i++)
        ls[i] = (listener){NULL, -1, NULL};
    pthread_rwlock_init(&svc.tokens_lock, NULL);
    int rc = cfg->nlisten < 1 || cfg->nlisten > SRV_MAX_LISTEN ? 2 : 0;
    if (rc)
        warn("--listen: at most %d addresses", SRV_MAX_LISTEN);
    if (rc == 0)
        rc = check_config(cfg, &svc, ls);
    if (rc == 0)
        rc = start_ops(&svc);
    if (rc == 0)
        rc = check_store(cfg, &store);
    if (rc == 0) {
        raise_nofile(cfg);
        /* every thread started from here on leaves these signals to sigwait */
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        rc = serve(&svc, ls, store, &set);
    }
    for (size_t i = 0; i < SRV_MAX_LISTEN; i++)
        if (ls[i].ai)
            freeaddrinfo(ls[i].ai);
    stop_ops(&svc);
    free_tls(&svc);
    bw_tokens_free(svc.tokens);
    pthread_rwlock_destroy(&svc.tokens_lock);
    return rc;
}

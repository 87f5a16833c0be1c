/* deadline.c -- the deadline of a request against slow clients.
 * libmicrohttpd's own timeout closes a connection that stays idle, but a
 * client that sends one byte a second is never idle and could hold a
 * connection for hours, a header at a time. So every connection is
 * registered here while it is open, with the time it began its current
 * request (its opening, or the end of its previous reply); a watchdog
 * thread shuts down, a few times a second, every connection whose request
 * has taken longer than --timeout. A connection on which no reply has
 * been started (srv_conn_replying, under the lock, before the reply is
 * queued) is first sent a 408 Request Timeout with Connection: close, in
 * one non-blocking send: nothing else writes on it then. A TLS
 * connection cannot be written to beside its session, and is cut without
 * one. libmicrohttpd then sees the socket fail and closes the connection
 * as it closes any broken one; the request's completion notice asks
 * srv_conn_took_408 whether to log and count the 408. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "server.h"

#define WATCH_MS 200

struct srv_conn {
    struct srv_conn *prev, *next;
    int fd;
    int plain;               /* not TLS: a 408 can be written on the socket */
    int64_t since_ms;
    int replying;            /* a reply has been queued and has not completed */
    int cut;
    int sent_408;            /* the 408 went out and has not been logged yet */
};

struct srv_deadlines {
    pthread_mutex_t lock;
    srv_conn head;           /* the open connections, in a ring */
    int64_t limit_ms;
    atomic_size_t open;      /* connections in the ring */
    atomic_int stop;
    pthread_t thread;
    char reply[512];         /* the whole 408, status line to body */
    size_t reply_len, body_len;
};

/* Milliseconds of the monotonic clock. */
static int64_t now_ms(void)
{
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * (int64_t)1000 + ts.tv_nsec / 1000000;
}

/* The 408 as it goes out: the body is HMA's error object (the library
 * writes it), with the length of the body and Connection: close. */
static int make_408(srv_deadlines *dl, unsigned seconds)
{
    char msg[160];
    bw_json j;
    snprintf(msg, sizeof msg,
             "request timeout: no complete request within %u s (--timeout); closing", seconds);
    bw_json_init(&j);
    bw_hma_error_json(&j, msg);
    int n = bw_json_status(&j) != BW_OK
                ? -1
                : snprintf(dl->reply, sizeof dl->reply,
                           "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                           "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%.*s",
                           j.len, (int)j.len, j.buf);
    dl->body_len = j.len;
    bw_json_free(&j);
    if (n < 0 || (size_t)n >= sizeof dl->reply)
        return -1;
    dl->reply_len = (size_t)n;
    return 0;
}

/* One connection past its deadline: the 408 if nothing else writes on
 * it, then the shutdown. Called under the lock. */
static void cut(srv_deadlines *dl, srv_conn *c)
{
    if (c->plain && !c->replying &&
        send(c->fd, dl->reply, dl->reply_len, MSG_NOSIGNAL | MSG_DONTWAIT) ==
            (ssize_t)dl->reply_len)
        c->sent_408 = 1;
    shutdown(c->fd, SHUT_RDWR); /* still open: it is closed after its CLOSED notice */
    c->cut = 1;
}

/* The watchdog: cut what has taken too long. */
static void *watch(void *arg)
{
    srv_deadlines *dl = arg;
    struct timespec tick = {0, WATCH_MS * 1000000L};
    while (!atomic_load(&dl->stop)) {
        nanosleep(&tick, NULL);
        int64_t now = now_ms();
        pthread_mutex_lock(&dl->lock);
        for (srv_conn *c = dl->head.next; c != &dl->head; c = c->next)
            if (!c->cut && now - c->since_ms > dl->limit_ms)
                cut(dl, c);
        pthread_mutex_unlock(&dl->lock);
    }
    return NULL;
}

srv_deadlines *srv_deadlines_start(unsigned seconds)
{
    srv_deadlines *dl = calloc(1, sizeof *dl);
    if (!dl)
        return NULL;
    pthread_mutex_init(&dl->lock, NULL);
    dl->head.prev = dl->head.next = &dl->head;
    dl->limit_ms = (int64_t)seconds * 1000;
    atomic_init(&dl->open, 0);
    atomic_init(&dl->stop, 0);
    if (make_408(dl, seconds) != 0 || pthread_create(&dl->thread, NULL, watch, dl) != 0) {
        pthread_mutex_destroy(&dl->lock);
        free(dl);
        return NULL;
    }
    return dl;
}

void srv_deadlines_stop(srv_deadlines *dl)
{
    if (!dl)
        return;
    atomic_store(&dl->stop, 1);
    pthread_join(dl->thread, NULL);
    while (dl->head.next != &dl->head) /* none are left once the daemon has stopped */
        srv_conn_close(dl, dl->head.next);
    pthread_mutex_destroy(&dl->lock);
    free(dl);
}

srv_conn *srv_conn_open(srv_deadlines *dl, int fd, int plain)
{
    srv_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->plain = plain;
    c->since_ms = now_ms();
    pthread_mutex_lock(&dl->lock);
    c->next = dl->head.next;
    c->prev = &dl->head;
    dl->head.next->prev = c;
    dl->head.next = c;
    atomic_fetch_add(&dl->open, 1);
    pthread_mutex_unlock(&dl->lock);
    return c;
}

void srv_conn_restart(srv_deadlines *dl, srv_conn *c)
{
    pthread_mutex_lock(&dl->lock);
    c->since_ms = now_ms();
    c->replying = 0;
    pthread_mutex_unlock(&dl->lock);
}

void srv_conn_replying(srv_deadlines *dl, srv_conn *c)
{
    pthread_mutex_lock(&dl->lock);
    c->replying = 1;
    pthread_mutex_unlock(&dl->lock);
}

size_t srv_conn_count(srv_deadlines *dl)
{
    return atomic_load(&dl->open);
}

size_t srv_conn_took_408(srv_deadlines *dl, srv_conn *c)
{
    pthread_mutex_lock(&dl->lock);
    int sent = c->sent_408;
    c->sent_408 = 0;
    pthread_mutex_unlock(&dl->lock);
    return sent ? dl->body_len : 0;
}

void srv_conn_close(srv_deadlines *dl, srv_conn *c)
{
    pthread_mutex_lock(&dl->lock);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    atomic_fetch_sub(&dl->open, 1);
    pthread_mutex_unlock(&dl->lock);
    free(c);
}

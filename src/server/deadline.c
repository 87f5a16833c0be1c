/* deadline.c -- the deadline of a request against slow clients.
 * libmicrohttpd's own timeout closes a connection that stays idle, but a
 * client that sends one byte a second is never idle and could hold a
 * connection for hours, a header at a time. So every connection is
 * registered here while it is open, with the time it began its current
 * request (its opening, or the end of its previous reply); a watchdog
 * thread shuts down, a few times a second, every connection whose request
 * has taken longer than --timeout. libmicrohttpd then sees the socket fail
 * and closes the connection as it closes any broken one. */
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "server.h"

#define WATCH_MS 200

struct srv_conn {
    struct srv_conn *prev, *next;
    int fd;
    int64_t since_ms;
    int cut;
};

struct srv_deadlines {
    pthread_mutex_t lock;
    srv_conn head;           /* the open connections, in a ring */
    int64_t limit_ms;
    atomic_int stop;
    pthread_t thread;
};

/* Milliseconds of the monotonic clock. */
static int64_t now_ms(void)
{
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * (int64_t)1000 + ts.tv_nsec / 1000000;
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
            if (!c->cut && now - c->since_ms > dl->limit_ms) {
                shutdown(c->fd, SHUT_RDWR); /* still open: it is closed after its CLOSED notice */
                c->cut = 1;
            }
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
    atomic_init(&dl->stop, 0);
    if (pthread_create(&dl->thread, NULL, watch, dl) != 0) {
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

srv_conn *srv_conn_open(srv_deadlines *dl, int fd)
{
    srv_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->since_ms = now_ms();
    pthread_mutex_lock(&dl->lock);
    c->next = dl->head.next;
    c->prev = &dl->head;
    dl->head.next->prev = c;
    dl->head.next = c;
    pthread_mutex_unlock(&dl->lock);
    return c;
}

void srv_conn_restart(srv_deadlines *dl, srv_conn *c)
{
    pthread_mutex_lock(&dl->lock);
    c->since_ms = now_ms();
    pthread_mutex_unlock(&dl->lock);
}

void srv_conn_close(srv_deadlines *dl, srv_conn *c)
{
    pthread_mutex_lock(&dl->lock);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    pthread_mutex_unlock(&dl->lock);
    free(c);
}

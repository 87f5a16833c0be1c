/* pq.c -- the libpq pieces the store's PostgreSQL backend and the work
 * queue share (pq.h). */
#include <string.h>
#include "core/pq.h"

void bw__pq_int(bw__pq_params *p, int64_t v)
{
    int i = p->n++;
    for (int b = 0; b < 8; b++) /* network order */
        p->i8[i][b] = (unsigned char)((uint64_t)v >> (56 - 8 * b));
    p->v[i] = (const char *)p->i8[i];
    p->len[i] = 8;
    p->fmt[i] = 1;
    p->type[i] = 20; /* int8 */
}

void bw__pq_text(bw__pq_params *p, const char *t)
{
    int i = p->n++;
    p->v[i] = t;
    p->len[i] = 0;
    p->fmt[i] = 0;
    p->type[i] = 25; /* text */
}

void bw__pq_bin(bw__pq_params *p, const void *b, size_t n, Oid type)
{
    int i = p->n++;
    p->v[i] = b;
    p->len[i] = (int)n;
    p->fmt[i] = 1;
    p->type[i] = type;
}

PGresult *bw__pq_query(PGconn *db, const char *sql, const bw__pq_params *p)
{
    return PQexecParams(db, sql, p ? p->n : 0, p ? p->type : NULL, p ? p->v : NULL,
                        p ? p->len : NULL, p ? p->fmt : NULL, 1);
}

int bw__pq_failed(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK;
}

const char *bw__pq_message(PGconn *db, const PGresult *res, int *len)
{
    const char *m = res ? PQresultErrorMessage(res) : NULL;
    if (!m || !*m)
        m = db ? PQerrorMessage(db) : "no connection";
    *len = (int)strcspn(m, "\n");
    return m;
}

int64_t bw__pq_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return 0;
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return (int64_t)v;
}

void bw__pq_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

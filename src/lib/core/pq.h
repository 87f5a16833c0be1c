/* pq.h -- what the library's two libpq clients share (pq.c): the store's
 * PostgreSQL backend (store/postgres.c) and the scan's work queue
 * (queue/pg.c). Statements go with up to BW__PQ_MAX_PARAMS parameters, each
 * text, or binary (int8 in network order, bytea, text as its bytes,
 * arrays in the binary array format), and results come back in binary.
 * Not installed. */
#ifndef BW_CORE_PQ_H
#define BW_CORE_PQ_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

#define BW__PQ_MAX_PARAMS 8

typedef struct bw__pq_params {
    int n;
    const char *v[BW__PQ_MAX_PARAMS];
    int len[BW__PQ_MAX_PARAMS], fmt[BW__PQ_MAX_PARAMS];
    Oid type[BW__PQ_MAX_PARAMS];
    unsigned char i8[BW__PQ_MAX_PARAMS][8];
} bw__pq_params;

/* Append a parameter: an int8; a NUL-terminated text sent as text (NULL:
 * SQL NULL); n bytes sent in binary as type (17 bytea, 25 text, 1001
 * bytea[], 1009 text[]). */
void bw__pq_int(bw__pq_params *p, int64_t v);
void bw__pq_text(bw__pq_params *p, const char *t);
void bw__pq_bin(bw__pq_params *p, const void *b, size_t n, Oid type);

/* sql with p (may be NULL), results in binary: PQexecParams's result
 * (NULL: out of memory), and whether it failed. */
PGresult *bw__pq_query(PGconn *db, const char *sql, const bw__pq_params *p);
int bw__pq_failed(const PGresult *r);

/* The server's message for a failed res (or the connection's when res
 * has none), up to its first newline: *len bytes at the pointer. */
const char *bw__pq_message(PGconn *db, const PGresult *res, int *len);

/* An int8 of a binary result (0 when NULL or not 8 bytes). */
int64_t bw__pq_i64(const PGresult *r, int row, int col);

/* A notice processor that drops notices: the library never prints. */
void bw__pq_quiet(void *arg, const char *message);

#endif

/* testutil.h -- small helpers shared by the cmocka tests. */
#ifndef BW_TESTUTIL_H
#define BW_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* $BW_REFDATA/rel as a static buffer (fails the test if BW_REFDATA is unset
 * or the path does not exist: reference data is never optional). */
const char *bw_test_refdata(const char *rel);

/* $BW_SOURCE_DIR/rel likewise. */
const char *bw_test_source(const char *rel);

/* A scratch directory for this test program ($BW_TEST_TMP/<name>), created. */
const char *bw_test_tmpdir(const char *name);

/* A fresh, empty store location called name for a store test. With
 * $BW_TEST_PG (a PostgreSQL URI, set by tests/store/backend_pg.sh) it is
 * that database with a schema of its own, dropped and made again (psql);
 * else a file in dir (its -wal and -shm removed). The suite of a store
 * test thereby runs on either backend. Static buffer. */
const char *bw_test_store(const char *dir, const char *name);

/* Whole file into malloc'd memory (NULL on failure). */
unsigned char *bw_test_read_file(const char *path, size_t *len);

/* Write bytes to a file; 0 on success. */
int bw_test_write_file(const char *path, const void *data, size_t len);

/* Split a TSV file into rows of fields: returns the number of rows (header
 * included); rows[i][j] are NUL-terminated fields; free with bw_test_tsv_free. */
typedef struct bw_tsv {
    size_t nrows;
    size_t *nfields;
    char ***rows;
    char *text;
} bw_tsv;
int bw_test_tsv_load(const char *path, bw_tsv *tsv);
void bw_test_tsv_free(bw_tsv *tsv);
/* Index of a column named in the header row, or -1. */
int bw_test_tsv_col(const bw_tsv *tsv, const char *name);

/* xorshift64: the next pseudo-random number of *state (never 0 to start). */
uint64_t bw_test_rand(uint64_t *state);

/* Flip k bits of h picked by bw_test_rand(state) (the same bit may come
 * up twice). */
struct bw_pdq;
void bw_test_flip_bits(struct bw_pdq *h, int k, uint64_t *state);

/* The number of bits in which a and b differ, counted here (not by the
 * library under test). */
int bw_test_pdq_distance(const struct bw_pdq *a, const struct bw_pdq *b);

#endif

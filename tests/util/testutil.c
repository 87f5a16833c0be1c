/* testutil.c -- helpers for the cmocka tests (testutil.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bulwark/pdq.h>
#include "testutil.h"

static const char *env_path(const char *var, const char *rel, char *buf, size_t n)
{
    const char *base = getenv(var);
    struct stat st;
    if (!base) {
        fprintf(stderr, "%s is not set (run the tests through ctest)\n", var);
        fail();
    }
    snprintf(buf, n, "%s/%s", base, rel);
    if (stat(buf, &st) != 0) {
        fprintf(stderr, "missing test input: %s\n", buf);
        fail();
    }
    return buf;
}

const char *bw_test_refdata(const char *rel)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    return env_path("BW_REFDATA", rel, buf[k], sizeof buf[k]);
}

const char *bw_test_source(const char *rel)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    return env_path("BW_SOURCE_DIR", rel, buf[k], sizeof buf[k]);
}

const char *bw_test_tmpdir(const char *name)
{
    static char buf[4096];
    const char *base = getenv("BW_TEST_TMP");
    snprintf(buf, sizeof buf, "%s/%s", base ? base : "/tmp", name);
    mkdir(buf, 0777);
    return buf;
}

const char *bw_test_store(const char *dir, const char *name)
{
    static char loc[4096];
    char cmd[8192], schema[64];
    const char *pg = getenv("BW_TEST_PG");
    size_t n = 0;
    if (!pg) {
        char side[sizeof loc + 8];
        snprintf(loc, sizeof loc, "%.3000s/%.200s", bw_test_tmpdir(dir), name);
        remove(loc);
        snprintf(side, sizeof side, "%s-wal", loc);
        remove(side);
        snprintf(side, sizeof side, "%s-shm", loc);
        remove(side);
        return loc;
    }
    /* the schema: the name's letters and digits */
    for (const char *p = name; *p && n + 1 < sizeof schema; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            schema[n++] = *p;
    schema[n] = '\0';
    snprintf(cmd, sizeof cmd,
             "psql -q -v ON_ERROR_STOP=1 '%s' -c 'DROP SCHEMA IF EXISTS t_%s CASCADE' "
             "-c 'CREATE SCHEMA t_%s' >/dev/null 2>&1", pg, schema, schema);
    if (system(cmd) != 0)
        return NULL;
    snprintf(loc, sizeof loc, "%s&options=-csearch_path%%3Dt_%s", pg, schema);
    return loc;
}

unsigned char *bw_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n > 0 ? n : 0] = 0;
        *len = (size_t)(n > 0 ? n : 0);
    }
    return buf;
}

int bw_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int rc;
    if (!f)
        return -1;
    rc = fwrite(data, 1, len, f) == len ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

int bw_test_tsv_load(const char *path, bw_tsv *tsv)
{
    size_t len, cap = 64;
    char *p, *line;
    memset(tsv, 0, sizeof *tsv);
    tsv->text = (char *)bw_test_read_file(path, &len);
    if (!tsv->text)
        return -1;
    tsv->rows = malloc(cap * sizeof *tsv->rows);
    tsv->nfields = malloc(cap * sizeof *tsv->nfields);
    for (line = strtok_r(tsv->text, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
        size_t nf = 1, k = 0;
        char *q;
        if (line[0] == '\0')
            continue;
        if (tsv->nrows == cap) {
            cap *= 2;
            tsv->rows = realloc(tsv->rows, cap * sizeof *tsv->rows);
            tsv->nfields = realloc(tsv->nfields, cap * sizeof *tsv->nfields);
        }
        for (q = line; *q; q++)
            if (*q == '\t')
                nf++;
        tsv->rows[tsv->nrows] = malloc(nf * sizeof(char *));
        tsv->rows[tsv->nrows][k++] = line;
        for (q = line; *q; q++)
            if (*q == '\t') {
                *q = '\0';
                tsv->rows[tsv->nrows][k++] = q + 1;
            }
        if (k && (q = strchr(tsv->rows[tsv->nrows][k - 1], '\r')))
            *q = '\0';
        tsv->nfields[tsv->nrows] = nf;
        tsv->nrows++;
    }
    return 0;
}

void bw_test_tsv_free(bw_tsv *tsv)
{
    for (size_t i = 0; i < tsv->nrows; i++)
        free(tsv->rows[i]);
    free(tsv->rows);
    free(tsv->nfields);
    free(tsv->text);
    memset(tsv, 0, sizeof *tsv);
}

int bw_test_tsv_col(const bw_tsv *tsv, const char *name)
{
    if (tsv->nrows == 0)
        return -1;
    for (size_t j = 0; j < tsv->nfields[0]; j++)
        if (strcmp(tsv->rows[0][j], name) == 0)
            return (int)j;
    return -1;
}

uint64_t bw_test_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

void bw_test_flip_bits(bw_pdq *h, int k, uint64_t *state)
{
    for (int i = 0; i < k; i++) {
        unsigned b = (unsigned)(bw_test_rand(state) % 256);
        h->w[b / 64] ^= 1ull << (b % 64);
    }
}

int bw_test_pdq_distance(const bw_pdq *a, const bw_pdq *b)
{
    int d = 0;
    for (int i = 0; i < 4; i++)
        for (uint64_t x = a->w[i] ^ b->w[i]; x; x &= x - 1)
            d++;
    return d;
}

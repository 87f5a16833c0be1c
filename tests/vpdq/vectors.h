/* vectors.h -- reading the vPDQ reference hash files of refdata/vpdq and
 * comparing a bw_vpdq with them line by line; shared by test_vpdq.c (a
 * few videos, also under ASan) and test_vectors.c (all of them, slow). */
#ifndef BW_TEST_VPDQ_VECTORS_H
#define BW_TEST_VPDQ_VECTORS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "bulwark/vpdq.h"

/* One line of a reference hash file: frame,quality,pdq,timestamp. */
typedef struct ref_line {
    unsigned long long frame;
    int quality;
    bw_pdq pdq;
    char ts[32];
} ref_line;

static inline size_t load_ref(const char *path, ref_line **out)
{
    FILE *f = fopen(path, "r");
    char line[256];
    size_t n = 0, cap = 0;
    ref_line *v = NULL;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char hex[80], ts[32];
        ts[0] = '\0';
        ref_line *r;
        if (line[0] == '\n')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            v = realloc(v, cap * sizeof *v);
            assert_non_null(v);
        }
        r = &v[n++];
        assert_int_equal(sscanf(line, "%llu,%d,%79[0-9a-f],%31s", &r->frame, &r->quality, hex, ts), 4);
        assert_int_equal(bw_pdq_from_hex(hex, strlen(hex), &r->pdq), BW_OK);
        memcpy(r->ts, ts, sizeof r->ts);
    }
    fclose(f);
    *out = v;
    return n;
}

static const char *video(const char *name)
{
    static char rel[4096];
    snprintf(rel, sizeof rel, "vpdq/sample-videos/%s.mp4", name);
    return bw_test_refdata(rel);
}

/* Counts of a comparison with a reference file. */
typedef struct cmp {
    size_t lines, identical, pdq_differ;
    int max_dist;         /* over all frames */
    int max_dist_q50;     /* over frames of quality >= 50 on both sides */
} cmp;

/* Compare the hashes of `name` (v) with ref_path line by line: frame
 * numbers must agree, and (when strict) quality and timestamp text. */
static inline cmp compare(const char *name, uint32_t size, const bw_vpdq *v, const char *ref_path,
                   int strict)
{
    ref_line *ref;
    size_t n = load_ref(ref_path, &ref);
    cmp c = {0};
    if (v->count != n)
        fail_msg("%s size %u: %zu frames, reference %zu", name, size, v->count, n);
    for (size_t i = 0; i < n; i++) {
        char ts[32];
        int d = bw_pdq_distance(&v->frames[i].pdq, &ref[i].pdq);
        snprintf(ts, sizeof ts, "%.3f", v->frames[i].timestamp);
        assert_int_equal(v->frames[i].frame, ref[i].frame);
        if (strict) {
            if (v->frames[i].quality != ref[i].quality || strcmp(ts, ref[i].ts) != 0)
                fail_msg("%s size %u frame %llu: quality %d ts %s, reference %d %s", name, size,
                         ref[i].frame, v->frames[i].quality, ts, ref[i].quality, ref[i].ts);
        }
        if (d == 0 && v->frames[i].quality == ref[i].quality && !strcmp(ts, ref[i].ts))
            c.identical++;
        if (d)
            c.pdq_differ++;
        if (d > c.max_dist)
            c.max_dist = d;
        if (v->frames[i].quality >= 50 && ref[i].quality >= 50 && d > c.max_dist_q50)
            c.max_dist_q50 = d;
    }
    c.lines = n;
    free(ref);
    return c;
}

/* The sample videos, from the derived directory's listing. */
static inline size_t video_names(char names[][96], size_t max)
{
    DIR *d = opendir(bw_test_refdata("vpdq/derived/debian12-ffmpeg5.1-native"));
    struct dirent *e;
    size_t n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".txt") && l - 4 < 96) {
            memcpy(names[n], e->d_name, l - 4);
            names[n++][l - 4] = '\0';
        }
    }
    closedir(d);
    return n;
}

/* Hash video `name` every frame at `size` (0 native) and compare it with
 * derived/ (strict: frames, qualities, timestamps identical) and, when
 * upstream has the file, sample-hashes/ (frames identical). */
static inline void hash_and_compare(const char *name, uint32_t size, cmp *derived, cmp *upstream,
                             int *has_upstream)
{
    char path[4096];
    bw_vpdq_opts o = {0, size, NULL};
    bw_vpdq v;
    bw_error err;
    if (bw_vpdq_hash_file(video(name), &o, &v, &err) != BW_OK)
        fail_msg("%s: %s", name, bw_error_message(&err));
    snprintf(path, sizeof path, "vpdq/derived/debian12-ffmpeg5.1-%s/%s%s.txt",
             size ? "128x128" : "native", name, size ? "-128x128" : "");
    *derived = compare(name, size, &v, bw_test_refdata(path), 1);
    /* upstream has no test-padded-dimensions-128x128.txt */
    assert_non_null(getenv("BW_REFDATA"));
    snprintf(path, sizeof path, "%s/vpdq/sample-hashes/%s%s.txt", getenv("BW_REFDATA"), name,
             size ? "-128x128" : "");
    *has_upstream = access(path, R_OK) == 0;
    if (*has_upstream)
        *upstream = compare(name, size, &v, path, 0);
    else
        memset(upstream, 0, sizeof *upstream);
    bw_vpdq_free(&v);
}

#endif

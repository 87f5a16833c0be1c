/* c2pa_hash.c -- C2PA hard bindings: does the manifest still describe
 * these bytes?
 *
 *   c2pa.hash.data      one digest of the asset minus listed byte ranges
 *                       (the manifest's own segments/chunk)
 *   c2pa.hash.boxes     one digest per run of named container boxes (JPEG
 *                       segments here), the C2PA box itself skipped
 *   c2pa.hash.bmff.v2/3 ISO-BMFF: boxes excluded by path (+ data match,
 *                       subsets, version/flags); before each top-level box
 *                       that is hashed its 8-byte big-endian file offset is
 *                       hashed too (versions 2 and up)
 *
 * Digests are OpenSSL EVP. All ranges are checked against the asset:
 * a range past the end is a mismatch, never a read past the buffer. */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "core/internal.h"
#include "provenance/c2pa/c2pa_internal.h"

const void *bw__c2pa_md(const char *alg)
{
    if (!alg)
        return NULL;
    if (strcmp(alg, "sha256") == 0)
        return EVP_sha256();
    if (strcmp(alg, "sha384") == 0)
        return EVP_sha384();
    if (strcmp(alg, "sha512") == 0)
        return EVP_sha512();
    return NULL;
}

size_t bw__c2pa_digest(const char *alg, const uint8_t *data, size_t len, uint8_t *out)
{
    const EVP_MD *md = bw__c2pa_md(alg);
    unsigned int n = 0;
    if (!md || !EVP_Digest(data, len, out, &n, md, NULL))
        return 0;
    return n;
}

/* The alg of an assertion, else of the claim (a malloc'd copy or NULL). */
static char *alg_of(const cbor_item_t *a, const char *claim_alg)
{
    char *s = bw__cbor_text(bw__cbor_get(a, "alg"));
    return s ? s : (claim_alg ? bw__strdup(claim_alg) : NULL);
}

typedef struct range {
    uint64_t start, len;
} range;

static int range_cmp(const void *a, const void *b)
{
    const range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* A marker in the hashed stream: the BMFF v2 offset of a top-level box. */
typedef struct hash_plan {
    range *ex;       /* excluded ranges */
    size_t nex, cap;
    uint64_t *offs;  /* box offsets to hash (sorted) */
    size_t noffs, ocap;
} hash_plan;

static int plan_exclude(hash_plan *p, uint64_t start, uint64_t len)
{
    if (p->nex == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 8;
        range *g = bw__realloc(p->ex, ncap * sizeof *g);
        if (!g)
            return -1;
        p->ex = g;
        p->cap = ncap;
    }
    p->ex[p->nex].start = start;
    p->ex[p->nex].len = len;
    p->nex++;
    return 0;
}

static int plan_offset(hash_plan *p, uint64_t off)
{
    if (p->noffs == p->ocap) {
        size_t ncap = p->ocap ? p->ocap * 2 : 8;
        uint64_t *g = bw__realloc(p->offs, ncap * sizeof *g);
        if (!g)
            return -1;
        p->offs = g;
        p->ocap = ncap;
    }
    p->offs[p->noffs++] = off;
    return 0;
}

static void plan_free(hash_plan *p)
{
    free(p->ex);
    free(p->offs);
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void hash_offset(EVP_MD_CTX *c, uint64_t off)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(off >> (56 - 8 * i));
    EVP_DigestUpdate(c, be, 8);
}

/* Digest data minus the plan's exclusions, with the BMFF offsets mixed in
 * where their boxes start (or, for boxes whose start is excluded, at their
 * place between the hashed ranges). -1: a range lies outside the data. */
static int plan_digest(hash_plan *p, const EVP_MD *md, const uint8_t *d, size_t len,
                       uint8_t *out, unsigned *outlen)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint64_t pos = 0;
    size_t oi = 0;
    int rc = -1;
    if (!c || !EVP_DigestInit_ex(c, md, NULL))
        goto done;
    if (p->nex)
        qsort(p->ex, p->nex, sizeof *p->ex, range_cmp);
    if (p->noffs)
        qsort(p->offs, p->noffs, sizeof *p->offs, u64_cmp);
    for (size_t i = 0; i < p->nex; i++)
        if (p->ex[i].start > len || p->ex[i].len > len - p->ex[i].start)
            goto done;
    for (size_t i = 0; i <= p->nex; i++) {
        uint64_t end = i < p->nex ? p->ex[i].start : len;
        /* hashed bytes [pos, end) with offsets inside them */
        while (pos < end) {
            uint64_t stop = end;
            while (oi < p->noffs && p->offs[oi] < pos)
                oi++;
            if (oi < p->noffs && p->offs[oi] < end) {
                stop = p->offs[oi];
                if (stop == pos) {
                    hash_offset(c, pos);
                    oi++;
                    while (oi < p->noffs && p->offs[oi] == pos)
                        oi++;
                    stop = oi < p->noffs && p->offs[oi] < end ? p->offs[oi] : end;
                }
            }
            EVP_DigestUpdate(c, d + pos, (size_t)(stop - pos));
            pos = stop;
        }
        if (i < p->nex) {
            uint64_t ex_end = p->ex[i].start + p->ex[i].len;
            /* offsets of partly hashed boxes that start inside the exclusion */
            while (oi < p->noffs && p->offs[oi] < ex_end) {
                if (p->offs[oi] >= pos && p->offs[oi] > 0)
                    hash_offset(c, p->offs[oi]);
                oi++;
            }
            if (ex_end > pos)
                pos = ex_end;
        }
    }
    if (EVP_DigestFinal_ex(c, out, outlen))
        rc = 0;
done:
    EVP_MD_CTX_free(c);
    return rc;
}

static bw__hash_result compare(const cbor_item_t *a, const uint8_t *got, unsigned n)
{
    size_t hl;
    const uint8_t *want = bw__cbor_bytes(bw__cbor_get(a, "hash"), &hl);
    if (!want)
        return BW__HASH_MALFORMED;
    return hl == n && memcmp(want, got, n) == 0 ? BW__HASH_MATCH : BW__HASH_MISMATCH;
}

/* ---------------------------------------------------------------- data hash */

bw__hash_result bw__c2pa_data_hash(const cbor_item_t *a, const char *claim_alg,
                                   const uint8_t *asset, size_t len)
{
    hash_plan p = {0};
    const cbor_item_t *ex = bw__cbor_get(a, "exclusions");
    char *alg = alg_of(a, claim_alg);
    const EVP_MD *md = bw__c2pa_md(alg);
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    bw__hash_result r;
    free(alg);
    if (!md)
        return BW__HASH_UNSUPPORTED;
    if (bw__cbor_get(a, "url"))
        return BW__HASH_UNSUPPORTED; /* the data lives elsewhere */
    if (!asset)
        return BW__HASH_MISMATCH;
    if (ex && cbor_isa_array(ex)) {
        for (size_t i = 0; i < cbor_array_size(ex); i++) {
            cbor_item_t *e = cbor_array_handle(ex)[i];
            int64_t s, l;
            if (!bw__cbor_int(bw__cbor_get(e, "start"), &s) ||
                !bw__cbor_int(bw__cbor_get(e, "length"), &l) || s < 0 || l < 0) {
                plan_free(&p);
                return BW__HASH_MALFORMED;
            }
            if (plan_exclude(&p, (uint64_t)s, (uint64_t)l) != 0) {
                plan_free(&p);
                return BW__HASH_MALFORMED;
            }
        }
    }
    r = plan_digest(&p, md, asset, len, out, &n) == 0 ? compare(a, out, n) : BW__HASH_MISMATCH;
    plan_free(&p);
    return r;
}

/* ---------------------------------------------------------------- box hash (JPEG) */

typedef struct jseg {
    char name[8];
    uint64_t start, len;
} jseg;

static const char *jpeg_name(uint8_t m, char *buf)
{
    if (m >= 0xE0 && m <= 0xEF) {
        snprintf(buf, 8, "APP%d", m - 0xE0);
        return buf;
    }
    if (m >= 0xD0 && m <= 0xD7) {
        snprintf(buf, 8, "RST%d", m - 0xD0);
        return buf;
    }
    if (m >= 0xF0 && m <= 0xFD) {
        snprintf(buf, 8, "JPG%d", m - 0xF0);
        return buf;
    }
    switch (m) {
    case 0xFE: return "COM";
    case 0xC4: return "DHT";
    case 0xDB: return "DQT";
    case 0xDD: return "DRI";
    case 0xD9: return "EOI";
    case 0xC0: return "SOF0";
    case 0xC1: return "SOF1";
    case 0xC2: return "SOF2";
    case 0xD8: return "SOI";
    case 0xDA: return "SOS";
    }
    return NULL;
}

/* The JPEG's segments as named boxes; the C2PA APP11 run becomes "C2PA".
 * Returns the count, or (size_t)-1 when the JPEG cannot be mapped. */
static size_t jpeg_boxes(const uint8_t *d, size_t len, jseg **out)
{
    jseg *v = NULL;
    size_t n = 0, cap = 0, pos = 0;
    uint8_t c2pa_en[2] = {0, 0};
    int in_c2pa = 0;
    long c2pa_idx = -1;
    while (pos + 2 <= len) {
        uint8_t m;
        char nb[8];
        const char *name;
        uint64_t seglen = 2;
        if (d[pos] != 0xFF)
            goto bad;
        m = d[pos + 1];
        if (!(name = jpeg_name(m, nb)))
            goto bad;
        if ((m >= 0xE0 && m <= 0xEF) || (m >= 0xC0 && m <= 0xCF && m != 0xC8) || m == 0xDA ||
            m == 0xFE || m == 0xDB || m == 0xDD) {
            if (pos + 4 > len)
                goto bad;
            seglen = 2 + ((uint64_t)d[pos + 2] << 8 | d[pos + 3]);
            if (seglen < 4 || seglen > len - pos)
                goto bad;
        }
        if (m == 0xDA) { /* entropy-coded data runs to the next real marker */
            uint64_t q = pos + seglen;
            while (q + 1 < len && !(d[q] == 0xFF && d[q + 1] != 0x00 &&
                                    !(d[q + 1] >= 0xD0 && d[q + 1] <= 0xD7)))
                q++;
            if (q + 1 >= len)
                q = len;
            seglen = q - pos;
        }
        if (m == 0xEB && seglen > 4 + 16) {
            const uint8_t *p = d + pos + 4;
            if (in_c2pa && p[2] == c2pa_en[0] && p[3] == c2pa_en[1]) {
                v[c2pa_idx].len += seglen;
                pos += seglen;
                continue;
            }
            if (seglen > 4 + 28 && memcmp(p + 24, "c2pa", 4) == 0) {
                in_c2pa = 1;
                c2pa_en[0] = p[2];
                c2pa_en[1] = p[3];
                name = "C2PA";
                c2pa_idx = (long)n;
            }
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            jseg *g = bw__realloc(v, ncap * sizeof *g);
            if (!g)
                goto bad;
            v = g;
            cap = ncap;
        }
        snprintf(v[n].name, sizeof v[n].name, "%s", name);
        v[n].start = pos;
        v[n].len = seglen;
        n++;
        pos += seglen;
        if (m == 0xD9)
            break;
    }
    *out = v;
    return n;
bad:
    free(v);
    return (size_t)-1;
}

bw__hash_result bw__c2pa_box_hash(const cbor_item_t *a, const char *claim_alg,
                                  const uint8_t *asset, size_t len, bw_format fmt)
{
    const cbor_item_t *boxes = bw__cbor_get(a, "boxes");
    char *alg = alg_of(a, claim_alg);
    jseg *segs = NULL;
    size_t nsegs, si = 0;
    bw__hash_result r = BW__HASH_MATCH;
    if (!asset) {
        free(alg);
        return BW__HASH_MISMATCH;
    }
    if (fmt != BW_FORMAT_JPEG) {
        free(alg);
        return BW__HASH_UNSUPPORTED;
    }
    if (!boxes || !cbor_isa_array(boxes) || cbor_array_size(boxes) == 0) {
        free(alg);
        return BW__HASH_MALFORMED;
    }
    if ((nsegs = jpeg_boxes(asset, len, &segs)) == (size_t)-1) {
        free(alg);
        return BW__HASH_MISMATCH;
    }
    for (size_t b = 0; b < cbor_array_size(boxes) && r == BW__HASH_MATCH; b++) {
        cbor_item_t *bm = cbor_array_handle(boxes)[b];
        cbor_item_t *names = bw__cbor_get(bm, "names");
        cbor_item_t *excl = bw__cbor_get(bm, "excluded");
        uint64_t start = 0, end = 0;
        int skip = 0;
        char *balg;
        const EVP_MD *md;
        uint8_t out[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        if (!names || !cbor_isa_array(names) || cbor_array_size(names) == 0) {
            r = BW__HASH_MALFORMED;
            break;
        }
        for (size_t k = 0; k < cbor_array_size(names); k++) {
            cbor_item_t *nm = cbor_array_handle(names)[k];
            if (si >= nsegs || !bw__cbor_text_is(nm, segs[si].name)) {
                r = BW__HASH_MISMATCH; /* assertion.boxesHash.unknownBox */
                break;
            }
            if (k == 0)
                start = segs[si].start;
            end = segs[si].start + segs[si].len;
            if (strcmp(segs[si].name, "C2PA") == 0)
                skip = 1;
            si++;
        }
        if (r != BW__HASH_MATCH)
            break;
        if (skip || (excl && cbor_isa_float_ctrl(excl) && cbor_is_bool(excl) && cbor_get_bool(excl)))
            continue;
        balg = bw__cbor_text(bw__cbor_get(bm, "alg"));
        md = bw__c2pa_md(balg ? balg : alg);
        free(balg);
        if (!md) {
            r = BW__HASH_UNSUPPORTED;
            break;
        }
        if (!EVP_Digest(asset + start, (size_t)(end - start), out, &n, md, NULL)) {
            r = BW__HASH_MALFORMED;
            break;
        }
        r = compare(bm, out, n);
    }
    free(segs);
    free(alg);
    return r;
}

/* ---------------------------------------------------------------- BMFF hash */

typedef struct bbox {
    uint32_t type;
    uint64_t off, size, hdr;
    int has_vf;
    uint8_t version;
    uint32_t flags;
} bbox;

static int is_container(uint32_t t)
{
    static const char *const c[] = {"moov", "trak", "mdia", "minf", "stbl", "moof", "traf",
                                    "edts", "dinf", "mvex", "udta", "mfra", "meta"};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (t == BW__FOURCC(c[i][0], c[i][1], c[i][2], c[i][3]))
            return 1;
    return 0;
}

static int is_fullbox(uint32_t t)
{
    static const char *const c[] = {"mvhd", "tkhd", "mdhd", "hdlr", "stco", "co64", "tfhd",
                                    "trun", "meta", "iloc", "stsd", "stsz", "stsc", "stts",
                                    "mfhd", "tfdt", "sidx", "tfra", "mfro", "saio", "saiz"};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        if (t == BW__FOURCC(c[i][0], c[i][1], c[i][2], c[i][3]))
            return 1;
    return 0;
}

/* Collect the boxes at path (e.g. "/moov/trak/tkhd") under [off, end). */
static int bmff_find(const uint8_t *d, uint64_t off, uint64_t end, const char *path, bbox **v,
                     size_t *n, size_t *cap, int depth)
{
    const char *seg = path + 1, *next = strchr(seg, '/');
    size_t seglen = next ? (size_t)(next - seg) : strlen(seg);
    if (depth > 16 || seglen != 4)
        return 0;
    while (off + 8 <= end) {
        bbox b = {0};
        b.off = off;
        b.size = bw__be32(d + off);
        b.type = bw__be32(d + off + 4);
        b.hdr = 8;
        if (b.size == 1) {
            if (off + 16 > end)
                return -1;
            b.size = (uint64_t)bw__be32(d + off + 8) << 32 | bw__be32(d + off + 12);
            b.hdr = 16;
        } else if (b.size == 0) {
            b.size = end - off;
        }
        if (b.size < b.hdr || b.size > end - off)
            return -1;
        if (b.type == BW__FOURCC(seg[0], seg[1], seg[2], seg[3])) {
            uint64_t body = off + b.hdr + (b.type == BW__FOURCC('u', 'u', 'i', 'd') ? 16 : 0);
            if ((is_fullbox(b.type) || b.type == BW__FOURCC('u', 'u', 'i', 'd')) &&
                body + 4 <= off + b.size) {
                b.has_vf = 1;
                b.version = d[body];
                b.flags = bw__be32(d + body) & 0xFFFFFF;
            }
            if (!next) {
                if (*n == *cap) {
                    size_t ncap = *cap ? *cap * 2 : 16;
                    bbox *g = bw__realloc(*v, ncap * sizeof *g);
                    if (!g)
                        return -1;
                    *v = g;
                    *cap = ncap;
                }
                (*v)[(*n)++] = b;
            } else if (is_container(b.type)) {
                uint64_t inner = off + b.hdr + (b.type == BW__FOURCC('m', 'e', 't', 'a') ? 4 : 0);
                if (bmff_find(d, inner, off + b.size, next, v, n, cap, depth + 1) < 0)
                    return -1;
            }
        }
        off += b.size;
    }
    return 0;
}

bw__hash_result bw__c2pa_bmff_hash(const cbor_item_t *a, const char *claim_alg, int version,
                                   const uint8_t *d, size_t len, int *extra_exclusions)
{
    const cbor_item_t *exs = bw__cbor_get(a, "exclusions");
    char *alg = alg_of(a, claim_alg);
    const EVP_MD *md = bw__c2pa_md(alg);
    hash_plan p = {0};
    bbox *top = NULL, *hits = NULL;
    size_t ntop = 0, tcap = 0, nhits = 0, hcap = 0;
    uint8_t *fully = NULL;
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    bw__hash_result r = BW__HASH_MALFORMED;
    free(alg);
    *extra_exclusions = 0;
    if (!md)
        return BW__HASH_UNSUPPORTED;
    if (!d || !bw__is_bmff(d, len))
        return BW__HASH_MISMATCH;
    if (!bw__cbor_get(a, "hash"))
        return BW__HASH_MISMATCH; /* Merkle trees over fragments: not given */
    /* top-level boxes (for the v2 offsets) */
    {
        uint64_t off = 0;
        while (off + 8 <= len) {
            uint64_t sz = bw__be32(d + off), hdr = 8;
            if (sz == 1) {
                if (off + 16 > len)
                    break;
                sz = (uint64_t)bw__be32(d + off + 8) << 32 | bw__be32(d + off + 12);
                hdr = 16;
            } else if (sz == 0) {
                sz = len - off;
            }
            if (sz < hdr || sz > len - off) {
                r = BW__HASH_MISMATCH;
                goto done;
            }
            if (ntop == tcap) {
                size_t ncap = tcap ? tcap * 2 : 16;
                bbox *g = bw__realloc(top, ncap * sizeof *g);
                if (!g)
                    goto done;
                top = g;
                tcap = ncap;
            }
            top[ntop].off = off;
            top[ntop].size = sz;
            ntop++;
            off += sz;
        }
    }
    if (!(fully = bw__calloc(ntop ? ntop : 1, 1)))
        goto done;
    for (size_t i = 0; exs && cbor_isa_array(exs) && i < cbor_array_size(exs); i++) {
        cbor_item_t *e = cbor_array_handle(exs)[i];
        char *xpath = bw__cbor_text(bw__cbor_get(e, "xpath"));
        cbor_item_t *data = bw__cbor_get(e, "data"), *subset = bw__cbor_get(e, "subset");
        int64_t want_len = -1, want_ver = -1, v;
        size_t fl;
        const uint8_t *flags = bw__cbor_bytes(bw__cbor_get(e, "flags"), &fl);
        cbor_item_t *exact = bw__cbor_get(e, "exact");
        int is_exact = !(exact && cbor_isa_float_ctrl(exact) && cbor_is_bool(exact) && !cbor_get_bool(exact));
        if (!xpath || xpath[0] != '/') {
            free(xpath);
            goto done;
        }
        if (bw__cbor_int(bw__cbor_get(e, "length"), &v))
            want_len = v;
        if (bw__cbor_int(bw__cbor_get(e, "version"), &v))
            want_ver = v;
        if (strcmp(xpath, "/uuid") != 0 && strcmp(xpath, "/ftyp") != 0 &&
            strcmp(xpath, "/mfra") != 0 && strcmp(xpath, "/free") != 0 &&
            strcmp(xpath, "/skip") != 0)
            *extra_exclusions = 1;
        nhits = 0;
        if (bmff_find(d, 0, len, xpath, &hits, &nhits, &hcap, 0) < 0) {
            free(xpath);
            r = BW__HASH_MISMATCH;
            goto done;
        }
        free(xpath);
        for (size_t h = 0; h < nhits; h++) {
            bbox *b = &hits[h];
            int ok = 1;
            if (want_len >= 0 && (uint64_t)want_len != b->size)
                continue;
            if (want_ver >= 0 && b->has_vf && want_ver != b->version)
                continue;
            if (flags && b->has_vf) {
                uint32_t wf = 0;
                if (fl >= 3)
                    wf = (uint32_t)flags[0] << 16 | (uint32_t)flags[1] << 8 | flags[2];
                if (is_exact ? wf != b->flags : (wf | b->flags) != wf)
                    continue;
            }
            for (size_t k = 0; ok && data && cbor_isa_array(data) && k < cbor_array_size(data);
                 k++) {
                cbor_item_t *dm = cbor_array_handle(data)[k];
                int64_t o;
                size_t vl;
                const uint8_t *val = bw__cbor_bytes(bw__cbor_get(dm, "value"), &vl);
                if (!bw__cbor_int(bw__cbor_get(dm, "offset"), &o) || o < 0 || !val ||
                    (uint64_t)o > len - b->off || vl > len - b->off - (uint64_t)o ||
                    memcmp(d + b->off + (uint64_t)o, val, vl) != 0)
                    ok = 0;
            }
            if (!ok)
                continue;
            if (subset && cbor_isa_array(subset)) {
                for (size_t k = 0; k < cbor_array_size(subset); k++) {
                    cbor_item_t *sm = cbor_array_handle(subset)[k];
                    int64_t so, sl;
                    if (!bw__cbor_int(bw__cbor_get(sm, "offset"), &so) ||
                        !bw__cbor_int(bw__cbor_get(sm, "length"), &sl) || so < 0 || sl < 0)
                        goto done;
                    if ((uint64_t)so > b->size)
                        continue;
                    if (plan_exclude(&p, b->off + (uint64_t)so,
                                     sl == 0 || (uint64_t)sl > b->size - (uint64_t)so
                                         ? b->size - (uint64_t)so
                                         : (uint64_t)sl) != 0)
                        goto done;
                }
            } else {
                if (plan_exclude(&p, b->off, b->size) != 0)
                    goto done;
                for (size_t t = 0; t < ntop; t++)
                    if (top[t].off == b->off)
                        fully[t] = 1;
            }
        }
    }
    if (version >= 2)
        for (size_t t = 0; t < ntop; t++)
            if (!fully[t] && plan_offset(&p, top[t].off) != 0)
                goto done;
    r = plan_digest(&p, md, d, len, out, &n) == 0 ? compare(a, out, n) : BW__HASH_MISMATCH;
done:
    plan_free(&p);
    free(top);
    free(hits);
    free(fully);
    return r;
}

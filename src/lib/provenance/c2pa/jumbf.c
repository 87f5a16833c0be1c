/* jumbf.c -- JUMBF boxes (ISO/IEC 19566-5) into a bounded tree.
 *
 * A box is LBox (4 bytes, big-endian), TBox (4 bytes), an XLBox (8 bytes)
 * when LBox is 1, then the payload; LBox 0 means "to the end". A superbox
 * (TBox "jumb") starts with a description box ("jumd": a 16-byte type
 * UUID, a toggles byte, then the optional NUL-terminated label, 4-byte ID,
 * 32-byte signature and one private box) followed by content boxes and
 * nested superboxes. C2PA manifest stores are trees of these.
 *
 * Every length is checked against the bytes that contain it, payloads
 * against max_box_bytes and nesting against max_jumbf_depth; the tree
 * points into the caller's bytes and copies only labels. */
#include <stdlib.h>
#include <string.h>
#include "core/internal.h"
#include "provenance/c2pa/c2pa_internal.h"

/* The header of the box at data[0..len): its type, total and header size. */
static bw_status box_header(const uint8_t *data, size_t len, const bw_limits *lim,
                            uint32_t *type, size_t *total, size_t *hdr, bw_error *err)
{
    uint64_t lbox;
    if (len < 8)
        return bw__fail(err, BW_ERR_TRUNCATED, "truncated JUMBF box header");
    lbox = bw__be32(data);
    *type = bw__be32(data + 4);
    *hdr = 8;
    if (lbox == 1) {
        if (len < 16)
            return bw__fail(err, BW_ERR_TRUNCATED, "truncated JUMBF box header");
        lbox = bw__be64(data + 8);
        *hdr = 16;
    } else if (lbox == 0) {
        lbox = len;
    }
    if (lbox < *hdr)
        return bw__fail(err, BW_ERR_CORRUPT, "JUMBF box length %llu is smaller than its header",
                        (unsigned long long)lbox);
    if (lbox > len)
        return bw__fail(err, BW_ERR_TRUNCATED,
                        "JUMBF box length %llu points past the end (%zu bytes left)",
                        (unsigned long long)lbox, len);
    if (lbox - *hdr > bw__limits(lim)->max_box_bytes)
        return bw__fail(err, BW_ERR_LIMIT, "JUMBF box of %llu bytes exceeds max_box_bytes",
                        (unsigned long long)(lbox - *hdr));
    *total = (size_t)lbox;
    return BW_OK;
}

/* Fill super's description from the jumd box payload. */
static bw_status parse_description(bw__jbox *super, const uint8_t *d, size_t n, bw_error *err)
{
    uint8_t toggles;
    if (n < 17)
        return bw__fail(err, BW_ERR_CORRUPT, "JUMBF description box too short");
    memcpy(super->uuid, d, 16);
    toggles = d[16];
    if (toggles & 0x02) {
        const uint8_t *s = d + 17, *nul = memchr(s, 0, n - 17);
        size_t l;
        if (!nul)
            return bw__fail(err, BW_ERR_CORRUPT, "JUMBF label is not terminated");
        l = (size_t)(nul - s);
        if (l < sizeof super->label) {
            memcpy(super->label, s, l);
            super->label[l] = '\0';
            super->has_label = 1;
        } else {
            /* Too long to be any label we look for: keep it unmatched. */
            memcpy(super->label, "\x01", 2);
        }
    }
    return BW_OK;
}

static bw_status parse_super(bw__jbox *super, const bw_limits *lim, uint32_t depth,
                             bw_error *err);

/* Parse the children of super (its payload after the description). */
static bw_status parse_kids(bw__jbox *super, const uint8_t *p, size_t n, const bw_limits *lim,
                            uint32_t depth, bw_error *err)
{
    size_t cap = 0;
    while (n > 0) {
        uint32_t type;
        size_t total, hdr;
        bw__jbox *kid;
        bw_status st = box_header(p, n, lim, &type, &total, &hdr, err);
        if (st != BW_OK)
            return st;
        if (super->nkids == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            bw__jbox *grown = bw__realloc(super->kids, ncap * sizeof *grown);
            if (!grown)
                return bw__fail(err, BW_ERR_NOMEM, "out of memory reading JUMBF");
            super->kids = grown;
            cap = ncap;
        }
        kid = &super->kids[super->nkids++];
        memset(kid, 0, sizeof *kid);
        kid->type = type;
        kid->box = p;
        kid->box_len = total;
        kid->data = p + hdr;
        kid->data_len = total - hdr;
        if (type == BW__FOURCC('j', 'u', 'm', 'b')) {
            if ((st = parse_super(kid, lim, depth + 1, err)) != BW_OK)
                return st;
        }
        p += total;
        n -= total;
    }
    return BW_OK;
}

static bw_status parse_super(bw__jbox *super, const bw_limits *lim, uint32_t depth,
                             bw_error *err)
{
    uint32_t type;
    size_t total, hdr;
    bw_status st;
    if (depth > bw__limits(lim)->max_jumbf_depth)
        return bw__fail(err, BW_ERR_LIMIT, "JUMBF nested deeper than max_jumbf_depth (%u)",
                        (unsigned)bw__limits(lim)->max_jumbf_depth);
    st = box_header(super->data, super->data_len, lim, &type, &total, &hdr, err);
    if (st != BW_OK)
        return st;
    if (type != BW__FOURCC('j', 'u', 'm', 'd'))
        return bw__fail(err, BW_ERR_CORRUPT, "JUMBF superbox does not start with a description");
    if ((st = parse_description(super, super->data + hdr, total - hdr, err)) != BW_OK)
        return st;
    return parse_kids(super, super->data + total, super->data_len - total, lim, depth, err);
}

static void free_kids(bw__jbox *b)
{
    for (size_t i = 0; i < b->nkids; i++)
        free_kids(&b->kids[i]);
    free(b->kids);
}

void bw__jumbf_free(bw__jbox *root)
{
    if (root) {
        free_kids(root);
        free(root);
    }
}

bw_status bw__jumbf_parse(const uint8_t *data, size_t len, const bw_limits *lim,
                          bw__jbox **out, bw_error *err)
{
    uint32_t type;
    size_t total, hdr;
    bw__jbox *root;
    bw_status st;
    *out = NULL;
    if ((st = box_header(data, len, lim, &type, &total, &hdr, err)) != BW_OK)
        return st;
    if (type != BW__FOURCC('j', 'u', 'm', 'b'))
        return bw__fail(err, BW_ERR_FORMAT, "not a JUMBF superbox");
    if (!(root = bw__calloc(1, sizeof *root)))
        return bw__fail(err, BW_ERR_NOMEM, "out of memory reading JUMBF");
    root->type = type;
    root->box = data;
    root->box_len = total;
    root->data = data + hdr;
    root->data_len = total - hdr;
    if ((st = parse_super(root, lim, 1, err)) != BW_OK) {
        bw__jumbf_free(root);
        return st;
    }
    *out = root;
    return BW_OK;
}

const bw__jbox *bw__jumbf_child(const bw__jbox *super, const char *label)
{
    for (size_t i = 0; super && i < super->nkids; i++) {
        const bw__jbox *k = &super->kids[i];
        if (k->type == BW__FOURCC('j', 'u', 'm', 'b') && k->has_label &&
            strcmp(k->label, label) == 0)
            return k;
    }
    return NULL;
}

const bw__jbox *bw__jumbf_content(const bw__jbox *super, uint32_t type)
{
    for (size_t i = 0; super && i < super->nkids; i++)
        if (super->kids[i].type == type)
            return &super->kids[i];
    return NULL;
}

int bw__jumbf_is(const bw__jbox *super, const char *four)
{
    return super && memcmp(super->uuid, four, 4) == 0;
}

/* c2pa_locate.c -- where a C2PA manifest store sits inside an asset.
 *
 * One section per container, each walking only the container's own
 * framing (never the pixels) with every length checked:
 *   JPEG   APP11 segments "JP", box instance En, packet sequence Z, then
 *          JUMBF; continuation segments repeat the superbox's LBox/TBox,
 *          which is dropped when the store is put back together (by En,
 *          in Z order)
 *   PNG    the "caBX" chunk
 *   RIFF   the "C2PA" chunk (WebP)
 *   BMFF   the top-level "uuid" box with the C2PA extended type, purpose
 *          "manifest", an 8-byte offset, then JUMBF
 *   JUMBF  a bare store (sidecar .c2pa)
 * and the XMP remote-manifest reference (dcterms:provenance), read with
 * libxml2 (no network, no entities) and only reported. */
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "core/internal.h"
#include "provenance/jpeg_segments.h"
#include "provenance/c2pa/c2pa_internal.h"

static const uint8_t c2pa_bmff_uuid[16] = {0xD8, 0xFE, 0xC3, 0xD6, 0x1B, 0x0E, 0x48, 0x3C,
                                           0x92, 0x97, 0x58, 0x28, 0x87, 0x7E, 0xC4, 0x81};
static const char xmp_ns_jpeg[] = "http://ns.adobe.com/xap/1.0/";

/* ---------------------------------------------------------------- XMP */

/* dcterms:provenance as an attribute or an element anywhere in the packet. */
static char *xmp_find_provenance(xmlNode *n)
{
    static const char dcterms[] = "http://purl.org/dc/terms/";
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlAttr *a = n->properties; a; a = a->next)
            if (a->ns && strcmp((const char *)a->ns->href, dcterms) == 0 &&
                strcmp((const char *)a->name, "provenance") == 0) {
                xmlChar *v = xmlNodeGetContent((xmlNode *)a);
                char *r = v ? bw__strdup((const char *)v) : NULL;
                xmlFree(v);
                return r;
            }
        if (n->ns && strcmp((const char *)n->ns->href, dcterms) == 0 &&
            strcmp((const char *)n->name, "provenance") == 0) {
            xmlChar *v = xmlNodeGetContent(n);
            char *r = v ? bw__strdup((const char *)v) : NULL;
            xmlFree(v);
            return r;
        }
        if (n->children) {
            char *r = xmp_find_provenance(n->children);
            if (r)
                return r;
        }
    }
    return NULL;
}

/* The remote manifest URL of an XMP packet, or NULL (also when the packet
 * is not XML: then there is simply no reference). */
static char *xmp_remote_url(const uint8_t *xmp, size_t len)
{
    xmlDoc *doc;
    char *url = NULL;
    if (len == 0 || len > (size_t)INT32_MAX)
        return NULL;
    doc = xmlReadMemory((const char *)xmp, (int)len, "xmp.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return NULL;
    url = xmp_find_provenance(xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    /* "self#jumbf=..." points into the asset's own store: not remote. */
    if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        free(url);
        url = NULL;
    }
    return url;
}

/* ---------------------------------------------------------------- JPEG */

typedef struct app11_seg {
    uint32_t z;
    uint8_t en[2];
    const uint8_t *data; /* JUMBF bytes this segment contributes */
    size_t len;
} app11_seg;

static int seg_cmp(const void *a, const void *b)
{
    const app11_seg *x = a, *y = b;
    return x->z < y->z ? -1 : x->z > y->z;
}

/* Does this packet start a C2PA store ("jumb" whose "jumd" says c2pa)? */
static int starts_store(const app11_seg *s)
{
    size_t h;
    if (s->len < 8 + 8 + 16 || bw__be32(s->data + 4) != BW__FOURCC('j', 'u', 'm', 'b'))
        return 0;
    h = bw__be32(s->data) == 1 ? 16 : 8;
    return s->len >= h + 8 + 16 && bw__be32(s->data + h + 4) == BW__FOURCC('j', 'u', 'm', 'd') &&
           memcmp(s->data + h + 8, "c2pa", 4) == 0;
}

static bw_status locate_jpeg(const uint8_t *d, size_t len, const bw_limits *lim,
                             bw__c2pa_found *f, bw_error *err)
{
    app11_seg *segs = NULL;
    size_t nsegs = 0, cap = 0, total = 0, first = (size_t)-1, keep = 0;
    bw_status st = BW_OK;
    bw__jpeg_iter it;
    bw__jpeg_seg sg;

    /* every APP11 JUMBF packet before the image data */
    bw__jpeg_iter_init(&it, d, len);
    while (bw__jpeg_next(&it, &sg)) {
        if (sg.marker == 0xE1 && !f->remote_url && sg.len > sizeof xmp_ns_jpeg &&
            memcmp(sg.data, xmp_ns_jpeg, sizeof xmp_ns_jpeg) == 0)
            f->remote_url = xmp_remote_url(sg.data + sizeof xmp_ns_jpeg,
                                           sg.len - sizeof xmp_ns_jpeg);
        if (sg.marker == 0xEB && sg.len >= 8 + 8 && sg.data[0] == 'J' && sg.data[1] == 'P') {
            const uint8_t *p = sg.data;
            if (nsegs == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                app11_seg *g = bw__realloc(segs, ncap * sizeof *g);
                if (!g) {
                    st = bw__fail(err, BW_ERR_NOMEM, "out of memory reading JPEG");
                    goto out;
                }
                segs = g;
                cap = ncap;
            }
            segs[nsegs].en[0] = p[2];
            segs[nsegs].en[1] = p[3];
            segs[nsegs].z = bw__be32(p + 4);
            segs[nsegs].data = p + 8;
            segs[nsegs].len = sg.len - 8;
            nsegs++;
        }
    }
    if (it.damage)
        f->damage = it.damage;
    for (size_t i = 0; i < nsegs && first == (size_t)-1; i++)
        if (starts_store(&segs[i]))
            first = i;
    if (first == (size_t)-1)
        goto out;
    /* the packets of that box instance, in sequence order */
    for (size_t i = 0; i < nsegs; i++)
        if (segs[i].en[0] == segs[first].en[0] && segs[i].en[1] == segs[first].en[1])
            segs[keep++] = segs[i];
    qsort(segs, keep, sizeof *segs, seg_cmp);
    if (!starts_store(&segs[0])) {
        f->damage = "C2PA APP11 packets out of sequence";
        goto out;
    }
    /* Continuation packets repeat LBox/TBox (and XLBox): drop them. */
    {
        size_t rep = bw__be32(segs[0].data) == 1 ? 16 : 8;
        uint8_t *buf;
        for (size_t i = 0; i < keep; i++) {
            size_t take = i == 0 ? segs[i].len : (segs[i].len > rep ? segs[i].len - rep : 0);
            if (total + take > bw__limits(lim)->max_box_bytes) {
                st = bw__fail(err, BW_ERR_LIMIT, "C2PA manifest store exceeds max_box_bytes");
                f->location = "jpeg-app11";
                goto out;
            }
            total += take;
        }
        if (!(buf = bw__malloc(total ? total : 1))) {
            st = bw__fail(err, BW_ERR_NOMEM, "out of memory reading JPEG");
            goto out;
        }
        total = 0;
        for (size_t i = 0; i < keep; i++) {
            if (i == 0) {
                memcpy(buf, segs[i].data, segs[i].len);
                total = segs[i].len;
            } else if (segs[i].len > rep) {
                memcpy(buf + total, segs[i].data + rep, segs[i].len - rep);
                total += segs[i].len - rep;
            }
        }
        f->owned = buf;
        f->jumbf = buf;
        f->jumbf_len = total;
        f->location = "jpeg-app11";
    }
out:
    free(segs);
    return st;
}

/* ---------------------------------------------------------------- PNG */

static void locate_png(const uint8_t *d, size_t len, bw__c2pa_found *f)
{
    size_t pos = 8;
    while (pos + 12 <= len) {
        uint32_t n = bw__be32(d + pos), type = bw__be32(d + pos + 4);
        if (n > len - pos - 12) {
            f->damage = "truncated PNG chunk";
            return;
        }
        if (type == BW__FOURCC('c', 'a', 'B', 'X') && !f->jumbf) {
            f->jumbf = d + pos + 8;
            f->jumbf_len = n;
            f->location = "png-caBX";
        } else if (type == BW__FOURCC('i', 'T', 'X', 't') && !f->remote_url && n > 22 &&
                   memcmp(d + pos + 8, "XML:com.adobe.xmp\0", 18) == 0 && d[pos + 26] == 0) {
            /* keyword, NUL, compression flag 0, method, language NUL, translated NUL */
            const uint8_t *p = d + pos + 8 + 18 + 2, *end = d + pos + 8 + n;
            const uint8_t *z1 = memchr(p, 0, (size_t)(end - p));
            const uint8_t *z2 = z1 ? memchr(z1 + 1, 0, (size_t)(end - z1 - 1)) : NULL;
            if (z2)
                f->remote_url = xmp_remote_url(z2 + 1, (size_t)(end - z2 - 1));
        } else if (type == BW__FOURCC('I', 'E', 'N', 'D')) {
            return;
        }
        pos += 12 + (size_t)n;
    }
}

/* ---------------------------------------------------------------- RIFF */

static void locate_riff(const uint8_t *d, size_t len, bw__c2pa_found *f)
{
    size_t pos = 12;
    while (pos + 8 <= len) {
        uint32_t type = bw__be32(d + pos), n = bw__le32(d + pos + 4);
        if (n > len - pos - 8) {
            f->damage = "truncated RIFF chunk";
            return;
        }
        if (type == BW__FOURCC('C', '2', 'P', 'A') && !f->jumbf) {
            f->jumbf = d + pos + 8;
            f->jumbf_len = n;
            f->location = "webp-C2PA";
        } else if (type == BW__FOURCC('X', 'M', 'P', ' ') && !f->remote_url) {
            f->remote_url = xmp_remote_url(d + pos + 8, n);
        }
        pos += 8 + (size_t)n + (n & 1);
    }
}

/* ---------------------------------------------------------------- BMFF */

int bw__is_bmff(const uint8_t *d, size_t len)
{
    return len >= 12 && bw__be32(d + 4) == BW__FOURCC('f', 't', 'y', 'p') && bw__be32(d) >= 8;
}

static void locate_bmff(const uint8_t *d, size_t len, bw__c2pa_found *f)
{
    size_t pos = 0;
    while (pos + 8 <= len) {
        uint64_t size = bw__be32(d + pos);
        uint32_t type = bw__be32(d + pos + 4);
        size_t hdr = 8;
        if (size == 1) {
            if (pos + 16 > len)
                break;
            size = (uint64_t)bw__be32(d + pos + 8) << 32 | bw__be32(d + pos + 12);
            hdr = 16;
        } else if (size == 0) {
            size = len - pos;
        }
        if (size < hdr || size > len - pos) {
            f->damage = "truncated ISO-BMFF box";
            return;
        }
        if (type == BW__FOURCC('u', 'u', 'i', 'd') && size >= hdr + 16 + 4 &&
            memcmp(d + pos + hdr, c2pa_bmff_uuid, 16) == 0 && !f->jumbf) {
            const uint8_t *p = d + pos + hdr + 20, *end = d + pos + size;
            const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
            if (nul && (size_t)(end - nul - 1) >= 8 && (size_t)(nul - p) == 8 &&
                memcmp(p, "manifest", 8) == 0) {
                f->jumbf = nul + 1 + 8;
                f->jumbf_len = (size_t)(end - nul - 1 - 8);
                f->location = "bmff-uuid";
            }
        }
        pos += (size_t)size;
    }
}

/* ---------------------------------------------------------------- entry */

bw_status bw__c2pa_locate(const uint8_t *data, size_t len, bw_format fmt, const bw_limits *lim,
                          bw__c2pa_found *f, bw_error *err)
{
    memset(f, 0, sizeof *f);
    if (len >= 8 && bw__be32(data + 4) == BW__FOURCC('j', 'u', 'm', 'b')) {
        f->jumbf = data;
        f->jumbf_len = len;
        f->location = "sidecar";
    } else if (fmt == BW_FORMAT_JPEG) {
        return locate_jpeg(data, len, lim, f, err);
    } else if (fmt == BW_FORMAT_PNG) {
        locate_png(data, len, f);
    } else if (len >= 12 && memcmp(data, "RIFF", 4) == 0) {
        locate_riff(data, len, f);
    } else if (bw__is_bmff(data, len)) {
        locate_bmff(data, len, f);
    }
    if (f->jumbf && f->jumbf_len > bw__limits(lim)->max_box_bytes) {
        f->jumbf = NULL;
        if (!f->location)
            f->location = "unknown";
        return bw__fail(err, BW_ERR_LIMIT, "C2PA manifest store exceeds max_box_bytes");
    }
    return BW_OK;
}

void bw__c2pa_found_free(bw__c2pa_found *f)
{
    if (f) {
        free(f->owned);
        free(f->remote_url);
        memset(f, 0, sizeof *f);
    }
}

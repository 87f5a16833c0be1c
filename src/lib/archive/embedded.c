/* embedded.c -- archives hidden in plain sight (bulwark/archive.h,
 * bw_archive_find_embedded_*): an input that does not start with an
 * archive may still carry one where the archive's own readers look for it.
 *
 *  - After an image's end: the end of a JPEG (its EOI marker, found by
 *    walking the segments and the entropy-coded data), a PNG (the IEND
 *    chunk), a GIF (the trailer, after walking its blocks) or a WebP (the
 *    RIFF size). Whatever follows is sniffed as an archive (zip, 7z, tar,
 *    a compressed stream) -- `cat photo.jpg inner.zip`, which unzip and 7z
 *    both read.
 *  - A zip found by its end-of-central-directory record within the last
 *    64 KiB + 22 bytes (where unzip looks for it), whose central directory
 *    checks out: the zip starts at the record's offset less the directory's
 *    size and offset, whatever bytes come before (512 zeros, a program).
 *
 * The input is read through a small cursor over either memory or a file
 * descriptor (pread: the descriptor's offset is not moved), so a file on
 * disk is examined without being loaded. Nothing here trusts a length
 * field beyond the input's size. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "core/internal.h"
#include "bulwark/archive.h"

#define EOCD_SCAN (65535u + 22u)
#define BUF (EOCD_SCAN + 64u) /* a window, and the tail searched for a zip end record */

typedef struct src {
    const unsigned char *mem; /* or */
    int fd;
    uint64_t size;
    /* the cursor's window */
    unsigned char buf[BUF];
    uint64_t win_off;
    size_t win_len;
    uint64_t pos;
} src;

/* Read up to n bytes at off into out (no cursor); returns bytes read. */
static size_t src_pread(src *s, uint64_t off, void *out, size_t n)
{
    if (off >= s->size)
        return 0;
    if (n > s->size - off)
        n = (size_t)(s->size - off);
    if (s->mem) {
        memcpy(out, s->mem + off, n);
        return n;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(s->fd, (unsigned char *)out + done, n - done, (off_t)(off + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        done += (size_t)got;
    }
    return done;
}

/* The byte at the cursor, advancing it; -1 at the end. */
static int next_byte(src *s)
{
    if (s->pos < s->win_off || s->pos >= s->win_off + s->win_len) {
        if (s->mem) {
            if (s->pos >= s->size)
                return -1;
            return s->mem[s->pos++];
        }
        s->win_off = s->pos;
        s->win_len = src_pread(s, s->pos, s->buf, BUF);
        if (!s->win_len)
            return -1;
    }
    return s->buf[s->pos++ - s->win_off];
}

static int skip(src *s, uint64_t n)
{
    if (n > s->size - (s->pos < s->size ? s->pos : s->size))
        return -1;
    s->pos += n;
    return 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---------------- The end of an image ---------------- */

/* JPEG: segments until SOS, then the entropy-coded data up to the next
 * marker (0xFF followed by neither 0x00 nor a restart marker), and so on
 * (progressive files have many scans) until EOI. 0: not found. */
static uint64_t jpeg_end(src *s)
{
    s->pos = 2;
    for (;;) {
        int b = next_byte(s), m;
        if (b != 0xFF)
            return 0;
        do
            m = next_byte(s);
        while (m == 0xFF);
        if (m < 0)
            return 0;
        if (m == 0xD9)
            return s->pos;
        if ((m >= 0xD0 && m <= 0xD7) || m == 0x01)
            continue; /* no length */
        int hi = next_byte(s), lo = next_byte(s);
        if (hi < 0 || lo < 0 || ((hi << 8) | lo) < 2)
            return 0;
        if (skip(s, (uint64_t)((hi << 8) | lo) - 2) != 0)
            return 0;
        if (m != 0xDA)
            continue;
        /* entropy-coded data: stop before the next real marker */
        for (;;) {
            int c = next_byte(s);
            if (c < 0)
                return 0;
            if (c != 0xFF)
                continue;
            do
                c = next_byte(s);
            while (c == 0xFF);
            if (c < 0)
                return 0;
            if (c == 0x00 || (c >= 0xD0 && c <= 0xD7))
                continue;
            s->pos -= 2; /* back to the marker's 0xFF */
            break;
        }
    }
}

/* PNG: chunks (length, type, data, CRC) until IEND. */
static uint64_t png_end(src *s)
{
    uint64_t pos = 8;
    unsigned char h[8];
    for (;;) {
        if (src_pread(s, pos, h, 8) != 8)
            return 0;
        uint32_t len = be32(h);
        if (len > 0x7fffffffu)
            return 0;
        pos += 12 + (uint64_t)len;
        if (pos > s->size)
            return 0;
        if (memcmp(h + 4, "IEND", 4) == 0)
            return pos;
    }
}

/* GIF sub-blocks: length bytes until a 0. */
static int gif_sub_blocks(src *s)
{
    for (;;) {
        int n = next_byte(s);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (skip(s, (uint64_t)n) != 0)
            return -1;
    }
}

/* GIF: header, screen descriptor, colour table, then images and extensions
 * until the trailer (0x3B). */
static uint64_t gif_end(src *s)
{
    unsigned char lsd[13];
    if (src_pread(s, 0, lsd, 13) != 13)
        return 0;
    s->pos = 13;
    if ((lsd[10] & 0x80) && skip(s, 3u << ((lsd[10] & 7) + 1)) != 0)
        return 0;
    for (;;) {
        int b = next_byte(s);
        if (b == 0x3B)
            return s->pos;
        if (b == 0x21) {
            if (next_byte(s) < 0 || gif_sub_blocks(s) != 0)
                return 0;
        } else if (b == 0x2C) {
            unsigned char d[9];
            for (int i = 0; i < 9; i++) {
                int c = next_byte(s);
                if (c < 0)
                    return 0;
                d[i] = (unsigned char)c;
            }
            if ((d[8] & 0x80) && skip(s, 3u << ((d[8] & 7) + 1)) != 0)
                return 0;
            if (next_byte(s) < 0 || gif_sub_blocks(s) != 0) /* LZW code size, data */
                return 0;
        } else {
            return 0;
        }
    }
}

/* The offset just after the image the input starts with; 0 when it is no
 * image of these formats or its end cannot be found. */
static uint64_t image_end(src *s)
{
    unsigned char h[12];
    size_t n = src_pread(s, 0, h, sizeof h);
    if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
        return jpeg_end(s);
    if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
        return png_end(s);
    if (n >= 6 && (memcmp(h, "GIF87a", 6) == 0 || memcmp(h, "GIF89a", 6) == 0))
        return gif_end(s);
    if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0) {
        uint64_t end = 8 + (uint64_t)le32(h + 4);
        end += end & 1;
        return end <= s->size ? end : 0;
    }
    return 0;
}

/* ---------------- A zip by its end record ---------------- */

/* Where the zip whose end-of-central-directory record lies in the last
 * 64 KiB + 22 bytes starts; -1 if there is none (or it is zip64). */
static int64_t zip_start(src *s)
{
    size_t n = s->size < EOCD_SCAN ? (size_t)s->size : EOCD_SCAN;
    uint64_t base = s->size - n;
    unsigned char sig[4];
    if (n < 22 || src_pread(s, base, s->buf, n) != n)
        return -1;
    for (size_t i = n - 22 + 1; i-- > 0;) {
        const unsigned char *e = s->buf + i;
        if (memcmp(e, "PK\5\6", 4) != 0)
            continue;
        uint32_t clen = (uint32_t)e[20] | (uint32_t)e[21] << 8;
        uint32_t cd_size = le32(e + 12), cd_off = le32(e + 16);
        uint64_t at = base + i;
        if (i + 22 + clen > n)
            continue; /* the comment would run past the end */
        if (cd_size == 0xffffffffu || cd_off == 0xffffffffu)
            return -1; /* zip64: not looked for */
        if ((uint64_t)cd_size + cd_off > at || cd_size < 46)
            continue;
        /* the central directory must be where the record says */
        if (src_pread(s, at - cd_size, sig, 4) != 4 || memcmp(sig, "PK\1\2", 4) != 0)
            continue;
        uint64_t start = at - cd_size - cd_off;
        if (src_pread(s, start, sig, 4) != 4 || memcmp(sig, "PK\3\4", 4) != 0)
            continue;
        return (int64_t)start;
    }
    return -1;
}

static bw_archive_format find(src *s, uint64_t *offset)
{
    unsigned char head[BW_ARCHIVE_SNIFF_BYTES];
    uint64_t end;
    int64_t zs;
    *offset = 0;
    if (s->size < 4)
        return BW_ARCHIVE_NONE;
    end = image_end(s);
    if (end > 0 && end < s->size) {
        size_t n = src_pread(s, end, head, sizeof head);
        bw_archive_format f = bw_archive_sniff(head, n);
        if (f != BW_ARCHIVE_NONE) {
            *offset = end;
            return f;
        }
    }
    zs = zip_start(s);
    if (zs > 0) {
        *offset = (uint64_t)zs;
        return BW_ARCHIVE_ZIP;
    }
    return BW_ARCHIVE_NONE;
}

bw_archive_format bw_archive_find_embedded_memory(const void *data, size_t len, uint64_t *offset)
{
    static _Thread_local src s;
    s.mem = data;
    s.fd = -1;
    s.size = data ? len : 0;
    s.win_off = 0;
    s.win_len = 0;
    s.pos = 0;
    return find(&s, offset);
}

bw_archive_format bw_archive_find_embedded_fd(int fd, uint64_t size, uint64_t *offset)
{
    static _Thread_local src s;
    s.mem = NULL;
    s.fd = fd;
    s.size = fd >= 0 ? size : 0;
    s.win_off = 0;
    s.win_len = 0;
    s.pos = 0;
    return find(&s, offset);
}

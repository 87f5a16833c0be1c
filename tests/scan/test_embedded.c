/* test_embedded.c -- bw_archive_find_embedded_*: where an archive hidden in
 * other bytes starts. Every input is built here byte by byte, and every
 * expected offset is counted by hand from that construction (the length of
 * the image part), never taken from the code under test. Also the inputs
 * that must find nothing: damaged images, lying length fields, a zip end
 * record whose central directory is not where it says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "bulwark/archive.h"

typedef struct buf {
    unsigned char b[8192];
    size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof b->b);
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put_le16(buf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, x, 2);
}

static void put_le32(buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, x, 4);
}

/* A stored zip of one 5-byte member "a.txt": 35 + 5 bytes of local entry,
 * a 51-byte central directory entry, a 22-byte end record; 113 bytes.
 * cd_off (relative to the zip's start) is 40. */
static void put_zip(buf *b)
{
    put(b, "PK\3\4", 4);
    put_le16(b, 10); put_le16(b, 0); put_le16(b, 0); put_le16(b, 0); put_le16(b, 0);
    put_le32(b, 0); put_le32(b, 5); put_le32(b, 5);
    put_le16(b, 5); put_le16(b, 0);
    put(b, "a.txt", 5);
    put(b, "hello", 5);
    put(b, "PK\1\2", 4);
    put_le16(b, 20); put_le16(b, 10); put_le16(b, 0); put_le16(b, 0); put_le16(b, 0);
    put_le16(b, 0); put_le32(b, 0); put_le32(b, 5); put_le32(b, 5);
    put_le16(b, 5); put_le16(b, 0); put_le16(b, 0); put_le16(b, 0); put_le16(b, 0);
    put_le32(b, 0); put_le32(b, 0);
    put(b, "a.txt", 5);
    put(b, "PK\5\6", 4);
    put_le16(b, 0); put_le16(b, 0); put_le16(b, 1); put_le16(b, 1);
    put_le32(b, 51); put_le32(b, 40);
    put_le16(b, 0);
}

static const unsigned char sevenz[] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4, 0, 0, 0, 0};

/* A baseline JPEG's skeleton: SOI, an APP0 of 16, SOS of 12 then entropy
 * bytes with a stuffed FF00 and a restart marker, EOI. 2+18+14+8+2 = 44. */
static void put_jpeg(buf *b)
{
    static const unsigned char app0[18] = {0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};
    static const unsigned char sos[14] = {0xFF, 0xDA, 0, 12, 1, 1, 0, 0, 63, 0};
    static const unsigned char data[8] = {0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0x78};
    put(b, "\xFF\xD8", 2);
    put(b, app0, sizeof app0);
    put(b, sos, sizeof sos);
    put(b, data, sizeof data);
    put(b, "\xFF\xD9", 2);
}

/* A PNG's chunk skeleton: signature 8, IHDR 12+13, IDAT 12+3, IEND 12 = 60. */
static void put_png(buf *b)
{
    static const unsigned char ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    put(b, "\x89PNG\r\n\x1a\n", 8);
    put(b, "\0\0\0\x0dIHDR", 8); put(b, ihdr, 13); put(b, "CRC!", 4);
    put(b, "\0\0\0\x03IDAT", 8); put(b, "abc", 3); put(b, "CRC!", 4);
    put(b, "\0\0\0\0IEND", 8); put(b, "\xae\x42\x60\x82", 4);
}

/* A GIF: header 6, screen 7, colour table 6, an extension 2+1+4+1, an image
 * descriptor 10, LZW size 1, sub-blocks 3+1, trailer 1 = 43. */
static void put_gif(buf *b)
{
    static const unsigned char lsd[7] = {1, 0, 1, 0, 0x80, 0, 0};
    static const unsigned char ext[8] = {0x21, 0xF9, 4, 0, 0, 0, 0, 0};
    static const unsigned char img[10] = {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0};
    put(b, "GIF89a", 6);
    put(b, lsd, 7);
    put(b, "\0\0\0\xff\xff\xff", 6);
    put(b, ext, 8);
    put(b, img, 10);
    put(b, "\x02\x02\x4c\x01\x00", 5);
    put(b, "\x3b", 1);
}

static void expect(const buf *b, bw_archive_format want, uint64_t want_off)
{
    uint64_t off = 12345;
    bw_archive_format f = bw_archive_find_embedded_memory(b->b, b->n, &off);
    assert_int_equal(f, want);
    if (want != BW_ARCHIVE_NONE)
        assert_int_equal(off, want_off);
    /* the same through a file descriptor */
    char path[] = "/tmp/bw_embedded_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, b->b, b->n), (ssize_t)b->n);
    off = 12345;
    f = bw_archive_find_embedded_fd(fd, b->n, &off);
    close(fd);
    assert_int_equal(f, want);
    if (want != BW_ARCHIVE_NONE)
        assert_int_equal(off, want_off);
}

static void test_after_images(void **state)
{
    buf b;
    (void)state;
    memset(&b, 0, sizeof b); put_jpeg(&b); assert_int_equal(b.n, 44);
    put(&b, sevenz, sizeof sevenz);
    expect(&b, BW_ARCHIVE_7Z, 44);
    memset(&b, 0, sizeof b); put_png(&b); assert_int_equal(b.n, 60);
    put_zip(&b);
    expect(&b, BW_ARCHIVE_ZIP, 60);
    memset(&b, 0, sizeof b); put_gif(&b); assert_int_equal(b.n, 43);
    put(&b, "\x1f\x8b\x08\0\0\0\0\0\0\3", 10);
    expect(&b, BW_ARCHIVE_GZIP, 43);
    /* WebP: RIFF, size 4 (just "WEBP"), odd sizes padded: 12 bytes */
    memset(&b, 0, sizeof b);
    put(&b, "RIFF\x05\0\0\0WEBPx\0", 14); /* size 5: 8 + 5 + 1 pad = 14 */
    put(&b, sevenz, sizeof sevenz);
    expect(&b, BW_ARCHIVE_7Z, 14);
}

static void test_zip_by_end_record(void **state)
{
    buf b;
    (void)state;
    memset(&b, 0, sizeof b);
    memset(b.b, 0, 512); b.n = 512;
    put_zip(&b);
    assert_int_equal(b.n, 512 + 113);
    expect(&b, BW_ARCHIVE_ZIP, 512);
    /* a zip comment after the record is fine */
    memset(&b, 0, sizeof b);
    put(&b, "not an image at all", 19);
    put_zip(&b);
    b.b[b.n - 2] = 3; put(&b, "abc", 3);
    expect(&b, BW_ARCHIVE_ZIP, 19);
    /* the record points at a central directory that is not there */
    memset(&b, 0, sizeof b);
    put(&b, "xxxxxxxx", 8);
    put_zip(&b);
    b.b[8 + 40] = 'Q'; /* "PK\1\2" spoiled */
    expect(&b, BW_ARCHIVE_NONE, 0);
}

static void test_nothing(void **state)
{
    buf b;
    (void)state;
    /* a whole JPEG and nothing after it */
    memset(&b, 0, sizeof b); put_jpeg(&b);
    expect(&b, BW_ARCHIVE_NONE, 0);
    /* data after the JPEG that is no archive */
    put(&b, "trailing bytes, not an archive", 30);
    expect(&b, BW_ARCHIVE_NONE, 0);
    /* a truncated JPEG (no EOI) */
    memset(&b, 0, sizeof b); put_jpeg(&b); b.n -= 6;
    expect(&b, BW_ARCHIVE_NONE, 0);
    /* a PNG chunk length far past the end */
    memset(&b, 0, sizeof b); put_png(&b);
    b.b[8] = 0x7f; /* IHDR length 0x7f00000d */
    put(&b, sevenz, sizeof sevenz);
    expect(&b, BW_ARCHIVE_NONE, 0);
    /* a GIF without its trailer */
    memset(&b, 0, sizeof b); put_gif(&b); b.n -= 1;
    expect(&b, BW_ARCHIVE_NONE, 0);
    /* a WebP whose RIFF size runs past the end */
    memset(&b, 0, sizeof b); put(&b, "RIFF\xff\xff\xff\x7fWEBP", 12); put(&b, sevenz, sizeof sevenz);
    expect(&b, BW_ARCHIVE_NONE, 0);
    /* tiny and empty inputs */
    memset(&b, 0, sizeof b); put(&b, "PK", 2);
    expect(&b, BW_ARCHIVE_NONE, 0);
    memset(&b, 0, sizeof b);
    expect(&b, BW_ARCHIVE_NONE, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_images),
        cmocka_unit_test(test_zip_by_end_record),
        cmocka_unit_test(test_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* draw_samples.c -- draws the benign sample images bundled in samples/
 * for `make demo`: simple synthetic landscapes (sky gradient, sun, hills)
 * and geometric patterns, written as JPEG, PNG and WebP, plus edited
 * copies (re-encoded, resized, mirrored) that a perceptual hash should
 * still match. Run once by hand: build/tools/draw_samples samples/
 * The images are committed; this program documents where they came from. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spng.h>
#include <turbojpeg.h>
#include <webp/encode.h>

typedef struct img {
    int w, h;
    unsigned char *px; /* RGB */
} img;

static img make(int w, int h)
{
    img m = {w, h, calloc((size_t)w * h * 3, 1)};
    return m;
}

static void put(img *m, int x, int y, int r, int g, int b)
{
    unsigned char *p = m->px + ((size_t)y * m->w + x) * 3;
    p[0] = (unsigned char)r;
    p[1] = (unsigned char)g;
    p[2] = (unsigned char)b;
}

/* A landscape: vertical sky gradient, a sun disc, two hill profiles. */
static img landscape(int w, int h, double sunx, double suny, int hue)
{
    img m = make(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double fy = (double)y / h, fx = (double)x / w;
            int r = (int)(90 + 120 * fy), g = (int)(140 + 80 * fy), b = (int)(235 - 60 * fy);
            double dx = fx - sunx, dy = fy - suny;
            if (dx * dx + dy * dy < 0.006)
                r = 255, g = 220, b = 90;
            double hill1 = 0.62 + 0.08 * sin(fx * 6.0 + hue);
            double hill2 = 0.75 + 0.05 * sin(fx * 11.0 + 1.0);
            /* clouds: soft bands modulated along x */
            double cloud = sin(fx * 23.0 + fy * 7.0) * sin(fx * 9.0 - hue) * sin(fy * 31.0);
            if (fy < 0.45 && cloud > 0.35)
                r += 60, g += 50, b += 15;
            if (fy > hill1)
                r = 40 + hue * 10, g = 120 + (int)(60 * fy), b = 50;
            if (fy > hill2)
                r = 30, g = 90 + (int)(40 * fx), b = 35 + hue * 5;
            /* grass and field texture: a fixed hash of (x, y), and rows of crops */
            if (fy > hill1) {
                unsigned hsh = (unsigned)(x * 73856093u) ^ (unsigned)(y * 19349663u);
                int t = (int)((hsh >> 7) % 41) - 20;
                if (((x + 3 * y) / 9) % 4 == 0)
                    t -= 25;
                r += t / 2, g += t, b += t / 3;
            }
            r = r < 0 ? 0 : r > 255 ? 255 : r;
            g = g < 0 ? 0 : g > 255 ? 255 : g;
            b = b < 0 ? 0 : b > 255 ? 255 : b;
            put(&m, x, y, r, g, b);
        }
    return m;
}

/* Concentric rings and stripes: a second, unrelated family. */
static img pattern(int w, int h, double freq)
{
    img m = make(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dx = x - w * 0.4, dy = y - h * 0.55;
            double d = sqrt(dx * dx + dy * dy);
            int v = (int)(127 + 120 * sin(d * freq));
            int s = ((x / 40) + (y / 40)) % 2 ? 30 : 0;
            put(&m, x, y, v, (v + 80 + s) % 256, 255 - v);
        }
    return m;
}

static img resize_nearest(const img *s, int w, int h)
{
    img m = make(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(m.px + ((size_t)y * w + x) * 3,
                   s->px + ((size_t)(y * s->h / h) * s->w + (x * s->w / w)) * 3, 3);
    return m;
}

static img mirror(const img *s)
{
    img m = make(s->w, s->h);
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++)
            memcpy(m.px + ((size_t)y * s->w + x) * 3,
                   s->px + ((size_t)y * s->w + (s->w - 1 - x)) * 3, 3);
    return m;
}

static int write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return fclose(f) != 0;
}

static int save_jpeg(const img *m, const char *path, int quality)
{
    tjhandle h = tjInitCompress();
    unsigned char *out = NULL;
    unsigned long len = 0;
    int rc = tjCompress2(h, m->px, m->w, 0, m->h, TJPF_RGB, &out, &len, TJSAMP_420, quality, 0);
    if (rc == 0)
        rc = write_bytes(path, out, len);
    tjFree(out);
    tjDestroy(h);
    return rc;
}

static int save_png(const img *m, const char *path)
{
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    struct spng_ihdr ihdr = {(uint32_t)m->w, (uint32_t)m->h, 8, SPNG_COLOR_TYPE_TRUECOLOR, 0, 0, 0};
    size_t len = 0;
    int err;
    void *out;
    spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
    spng_set_ihdr(ctx, &ihdr);
    err = spng_encode_image(ctx, m->px, (size_t)m->w * m->h * 3, SPNG_FMT_PNG,
                            SPNG_ENCODE_FINALIZE);
    out = err ? NULL : spng_get_png_buffer(ctx, &len, &err);
    if (!out) {
        fprintf(stderr, "png: %s\n", spng_strerror(err));
        spng_ctx_free(ctx);
        return 1;
    }
    err = write_bytes(path, out, len);
    free(out);
    spng_ctx_free(ctx);
    return err;
}

static int save_webp(const img *m, const char *path)
{
    uint8_t *out = NULL;
    size_t len = WebPEncodeRGB(m->px, m->w, m->h, m->w * 3, 85, &out);
    int rc = len ? write_bytes(path, out, len) : 1;
    WebPFree(out);
    return rc;
}

int main(int argc, char **argv)
{
    char p[4096];
    const char *dir = argc > 1 ? argv[1] : "samples";
    int rc = 0;
    img a = landscape(800, 520, 0.72, 0.22, 1);
    img b = landscape(640, 480, 0.25, 0.30, 3);
    img c = pattern(600, 600, 0.09);
    img a_small = resize_nearest(&a, 400, 260);
    img a_mirror = mirror(&a);
    img c_png = resize_nearest(&c, 480, 480);

#define OUT(name) (snprintf(p, sizeof p, "%s/%s", dir, name), p)
    rc |= save_jpeg(&a, OUT("hills-sunset.jpg"), 90);
    rc |= save_jpeg(&a, OUT("hills-sunset-recompressed.jpg"), 60);
    rc |= save_png(&a_small, OUT("hills-sunset-small.png"));
    rc |= save_webp(&a_mirror, OUT("hills-sunset-mirrored.webp"));
    rc |= save_jpeg(&b, OUT("valley-morning.jpg"), 88);
    rc |= save_png(&c_png, OUT("rings.png"));
    rc |= save_webp(&c, OUT("rings.webp"));
    free(a.px);
    free(b.px);
    free(c.px);
    free(a_small.px);
    free(a_mirror.px);
    free(c_png.px);
    return rc;
}

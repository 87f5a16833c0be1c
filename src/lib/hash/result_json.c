/* result_json.c -- a hash record as JSON (bw_hash_result_json). */
#include "bulwark/hash.h"
#include "bulwark/json.h"

/* "md5", "sha1", "sha256" into an open object. */
static void digest_fields(struct bw_json *j, const bw_digests *d)
{
    char hex[65];
    bw_hex_encode(d->md5, 16, hex);
    bw_json_key(j, "md5");
    bw_json_string(j, hex);
    bw_hex_encode(d->sha1, 20, hex);
    bw_json_key(j, "sha1");
    bw_json_string(j, hex);
    bw_hex_encode(d->sha256, 32, hex);
    bw_json_key(j, "sha256");
    bw_json_string(j, hex);
}

/* pdq_dihedral is an array of the 8 hashes in the order of pdq.h:
 * original, rot90, rot180, rot270, flipx, flipy, transpose, transverse. */
void bw_hash_result_json(struct bw_json *j, const char *path, const bw_hash_result *r,
                         int leave_open)
{
    char hex[65];
    bw_json_object_begin(j);
    if (path) {
        bw_json_path(j, "path", path);
    }
    bw_json_key(j, "kind");
    bw_json_string(j, r->kind == BW_KIND_IMAGE ? "image" : r->kind == BW_KIND_VIDEO ? "video" : "file");
    if (r->kind == BW_KIND_VIDEO) {
        bw_json_key(j, "format");
        bw_json_string(j, r->video.format ? r->video.format : "unknown");
        bw_json_key(j, "width");
        bw_json_uint(j, r->width);
        bw_json_key(j, "height");
        bw_json_uint(j, r->height);
        bw_json_key(j, "frames");
        bw_json_uint(j, r->video.count);
        bw_json_key(j, "duration");
        bw_json_fixed(j, r->video.duration, 3);
    } else if (r->kind == BW_KIND_IMAGE) {
        bw_json_key(j, "format");
        bw_json_string(j, bw_format_name(r->format));
        bw_json_key(j, "width");
        bw_json_uint(j, r->width);
        bw_json_key(j, "height");
        bw_json_uint(j, r->height);
    } else {
        bw_json_key(j, "size");
        bw_json_uint(j, r->size);
    }
    digest_fields(j, &r->digests);
    if (r->kind == BW_KIND_VIDEO) {
        /* the reference prints timestamps with 3 decimals */
        bw_json_key(j, "vpdq");
        bw_json_array_begin(j);
        for (size_t i = 0; i < r->video.count; i++) {
            const bw_vpdq_frame *f = &r->video.frames[i];
            bw_json_object_begin(j);
            bw_json_key(j, "frame");
            bw_json_uint(j, f->frame);
            bw_json_key(j, "timestamp");
            bw_json_fixed(j, f->timestamp, 3);
            bw_pdq_to_hex(&f->pdq, hex);
            bw_json_key(j, "pdq");
            bw_json_string(j, hex);
            bw_json_key(j, "quality");
            bw_json_int(j, f->quality);
            bw_json_object_end(j);
        }
        bw_json_array_end(j);
    }
    if (r->kind == BW_KIND_IMAGE) {
        bw_pdq_to_hex(&r->pdq, hex);
        bw_json_key(j, "pdq");
        bw_json_string(j, hex);
        bw_json_key(j, "quality");
        bw_json_int(j, r->quality);
        if (r->has_dihedral) {
            bw_json_key(j, "pdq_dihedral");
            bw_json_array_begin(j);
            for (int d = 0; d < BW_PDQ_DIHEDRAL_COUNT; d++) {
                bw_pdq_to_hex(&r->dihedral[d], hex);
                bw_json_string(j, hex);
            }
            bw_json_array_end(j);
        }
    }
    if (!leave_open)
        bw_json_object_end(j);
}

void bw_hash_digests_json(struct bw_json *j, const bw_hash_result *r)
{
    bw_json_key(j, "size");
    bw_json_uint(j, r->size);
    digest_fields(j, &r->digests);
}

void bw_hash_error_json(struct bw_json *j, const char *path, const char *error,
                        const bw_hash_result *r, int leave_open)
{
    bw_json_object_begin(j);
    if (path)
        bw_json_path(j, "path", path);
    bw_json_key(j, "error");
    bw_json_string(j, error ? error : "failed");
    if (r && r->has_digests)
        bw_hash_digests_json(j, r);
    if (!leave_open)
        bw_json_object_end(j);
}

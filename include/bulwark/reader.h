/* bulwark/reader.h -- the reader family: one small interface over every
 * input source (a file, a file descriptor such as stdin, a memory buffer,
 * an archive member), in the manner of Redis's rio.
 *
 * A reader yields bytes in order, once. bw_reader_slurp() reads the rest
 * of a reader into memory, up to a byte limit, feeding every chunk to an
 * optional callback on the way -- that is how the file digests are taken
 * in the same single pass that loads the bytes for the decoder. */
#ifndef BULWARK_READER_H
#define BULWARK_READER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bw_reader bw_reader;

/* The operations one kind of reader provides (for readers made outside
 * the library, e.g. archive members). read returns BW_OK with *got == 0 at
 * the end. size returns -1 when unknown. close frees the state. */
typedef struct bw_reader_ops {
    bw_status (*read)(void *state, void *buf, size_t len, size_t *got, bw_error *err);
    int64_t (*size)(void *state);
    void (*close)(void *state);
} bw_reader_ops;

/* Open a file by path (O_RDONLY, O_CLOEXEC). Fails with BW_ERR_NOT_FOUND,
 * BW_ERR_IO, or BW_ERR_ARG for a directory. */
bw_status bw_reader_open_file(bw_reader **out, const char *path, bw_error *err);

/* Wrap an open descriptor (not closed by bw_reader_close unless own_fd). */
bw_status bw_reader_open_fd(bw_reader **out, int fd, int own_fd, bw_error *err);

/* Read from memory (not copied: must outlive the reader). */
bw_status bw_reader_open_memory(bw_reader **out, const void *data, size_t len, bw_error *err);

/* Make a reader from caller-supplied operations. */
bw_status bw_reader_open_ops(bw_reader **out, const bw_reader_ops *ops, void *state, bw_error *err);

/* Read up to len bytes; *got == 0 means the end. */
bw_status bw_reader_read(bw_reader *r, void *buf, size_t len, size_t *got, bw_error *err);

/* Total size if known (a regular file, memory), else -1. */
int64_t bw_reader_size(const bw_reader *r);

void bw_reader_close(bw_reader *r);

/* Called with each chunk as bw_reader_slurp reads it. */
typedef void (*bw_chunk_fn)(void *ctx, const void *data, size_t len);

/* Read everything left into a malloc'd buffer (*data, *len; free() it).
 * More than max_bytes gives BW_ERR_LIMIT ("file too large: ..."), with
 * nothing returned. on_chunk (may be NULL) sees every byte once -- on
 * BW_ERR_LIMIT every byte read so far, so that the rest can be streamed
 * with bw_reader_drain (digests of a file too large to hold). */
bw_status bw_reader_slurp(bw_reader *r, uint64_t max_bytes, bw_chunk_fn on_chunk, void *ctx,
                          void **data, size_t *len, bw_error *err);

/* Read everything left in chunks, each handed to on_chunk and dropped;
 * *bytes (may be NULL) gets how many there were. More than max_bytes (0:
 * no bound) is BW_ERR_LIMIT ("input too large to hash: ... (limit
 * max_stream_bytes)"), so that an input that never ends (a pipe from
 * /dev/zero) ends; stop (may be NULL) is polled between chunks: when set,
 * BW_ERR_INTERRUPTED. */
bw_status bw_reader_drain(bw_reader *r, bw_chunk_fn on_chunk, void *ctx, uint64_t max_bytes,
                          const volatile sig_atomic_t *stop, uint64_t *bytes,
                          bw_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* bytes.h -- big- and little-endian integers read from bytes already
 * checked to be there (box headers, segment lengths, file headers). One
 * copy for every reader of binary formats; not installed. */
#ifndef BW_CORE_BYTES_H
#define BW_CORE_BYTES_H

#include <stdint.h>

static inline uint16_t bw__be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t bw__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t bw__be64(const uint8_t *p)
{
    return (uint64_t)bw__be32(p) << 32 | bw__be32(p + 4);
}

static inline uint16_t bw__le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t bw__le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

#endif

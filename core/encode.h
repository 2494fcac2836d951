/*
 * encode.h: explicit big-endian encoding of integers in on-disk formats.
 * No C struct is ever written to disk as-is.
 */
#ifndef CAIRN_ENCODE_H
#define CAIRN_ENCODE_H

#include <stdint.h>

static inline void
cairn_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline void
cairn_put_be64(unsigned char *p, uint64_t v)
{
	cairn_put_be32(p, (uint32_t)(v >> 32));
	cairn_put_be32(p + 4, (uint32_t)v);
}

static inline uint32_t
cairn_get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t
cairn_get_be64(const unsigned char *p)
{
	return (uint64_t)cairn_get_be32(p) << 32 | cairn_get_be32(p + 4);
}

#endif

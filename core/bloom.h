/*
 * bloom.h: cache-line blocked bloom filter keyed by object ids.
 *
 * Object ids are already uniformly random, so the filter takes its bits
 * straight from the id, as venti does; no further hashing.
 *
 * Layout: nblocks blocks of 64 bytes (512 bits), nblocks >= 1.
 *   h1 = big-endian u64 of id bytes 0..7    -> block = h1 % nblocks
 *   h2 = big-endian u64 of id bytes 8..15   -> for i in 0..6:
 *        bit p = (h2 >> (9 * i)) & 511 of that block,
 *        stored in block byte p >> 3 under mask 1 << (p & 7).
 * A key is present if all 7 of its bits are set.  Sizing gives about 10
 * bits per key: nblocks = max(1, ceil(nkeys * 10 / 512)), for a false
 * positive rate near 1% at any number of keys.  Ids must be >= 16 bytes.
 */
#ifndef CAIRN_BLOOM_H
#define CAIRN_BLOOM_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_BLOOM_BLOCK	64	/* bytes per block */
#define CAIRN_BLOOM_K		7	/* bits per key */
#define CAIRN_BLOOM_BITS_PER_KEY 10

/* Size in bytes (a multiple of CAIRN_BLOOM_BLOCK) of a filter for nkeys. */
size_t cairn_bloom_size(uint64_t nkeys);

/* Set the bits of id in the filter bits[0..size); size % 64 == 0, > 0. */
void cairn_bloom_add(unsigned char *bits, size_t size,
    const unsigned char *id);

/* Nonzero if id may be present, 0 if it certainly is not. */
int cairn_bloom_test(const unsigned char *bits, size_t size,
    const unsigned char *id);

/* Estimated false positive rate of a filter of size bytes with nkeys keys. */
double cairn_bloom_fpr(size_t size, uint64_t nkeys);

#endif

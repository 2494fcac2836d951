/*
 * bloom.c: the cache-line blocked bloom filter of index segments.  The
 * on-disk layout (block choice, bit positions, sizing) is the table at the
 * top of bloom.h; this file must stay byte-for-byte faithful to it.
 */
#include <assert.h>
#include <float.h>
#include <stdint.h>

#include "bloom.h"
#include "encode.h"

#define BLOOM_BLOCKBITS	(CAIRN_BLOOM_BLOCK * 8)		/* 512 */

size_t
cairn_bloom_size(uint64_t nkeys)
{
	uint64_t q, r, nblocks;

	/*
	 * ceil(nkeys * 10 / 512) without overflow: split nkeys as
	 * q * 512 + r, so nkeys * 10 / 512 = q * 10 + r * 10 / 512.
	 */
	q = nkeys / BLOOM_BLOCKBITS;
	r = nkeys % BLOOM_BLOCKBITS;
	nblocks = q * CAIRN_BLOOM_BITS_PER_KEY +
	    (r * CAIRN_BLOOM_BITS_PER_KEY + BLOOM_BLOCKBITS - 1) /
	    BLOOM_BLOCKBITS;
	if (nblocks == 0)
		nblocks = 1;
	/* XXX absurd key counts saturate; allocating that much fails later. */
	if (nblocks > SIZE_MAX / CAIRN_BLOOM_BLOCK)
		nblocks = SIZE_MAX / CAIRN_BLOOM_BLOCK;
	return (size_t)nblocks * CAIRN_BLOOM_BLOCK;
}

/* The block of id in a filter of size bytes. */
static size_t
bloom_block(size_t size, const unsigned char *id)
{
	uint64_t nblocks;

	assert(size > 0 && size % CAIRN_BLOOM_BLOCK == 0);
	nblocks = size / CAIRN_BLOOM_BLOCK;
	return (size_t)(cairn_get_be64(id) % nblocks) * CAIRN_BLOOM_BLOCK;
}

/* Bit i (0..6) of id within its block, 0..511. */
static unsigned int
bloom_bit(const unsigned char *id, int i)
{
	return (unsigned int)(cairn_get_be64(id + 8) >> (9 * i)) &
	    (BLOOM_BLOCKBITS - 1);
}

void
cairn_bloom_add(unsigned char *bits, size_t size, const unsigned char *id)
{
	unsigned char *block;
	unsigned int p;
	int i;

	block = bits + bloom_block(size, id);
	for (i = 0; i < CAIRN_BLOOM_K; i++) {
		p = bloom_bit(id, i);
		block[p >> 3] |= (unsigned char)(1u << (p & 7));
	}
}

int
cairn_bloom_test(const unsigned char *bits, size_t size,
    const unsigned char *id)
{
	const unsigned char *block;
	unsigned int p;
	int i;

	block = bits + bloom_block(size, id);
	for (i = 0; i < CAIRN_BLOOM_K; i++) {
		p = bloom_bit(id, i);
		if ((block[p >> 3] & (1u << (p & 7))) == 0)
			return 0;
	}
	return 1;
}

/* x to the power n, by squaring (no libm). */
static double
power(double x, uint64_t n)
{
	double r = 1.0;

	while (n > 0) {
		if (n & 1)
			r *= x;
		x *= x;
		n >>= 1;
	}
	return r;
}

/* False positive rate of one block holding j keys. */
static double
block_fpr(uint64_t j)
{
	double unset;

	if (j > UINT64_MAX / CAIRN_BLOOM_K)
		return 1.0;
	unset = power(1.0 - 1.0 / BLOOM_BLOCKBITS, j * CAIRN_BLOOM_K);
	return power(1.0 - unset, CAIRN_BLOOM_K);
}

/*
 * The rate averaged over how the keys spread over the blocks: the number in
 * a block is Binomial(nkeys, 1 / nblocks); sum P(j) * block_fpr(j) from
 * j = 0 up, with P(j + 1) = P(j) * (n - j) / (j + 1) * p / (1 - p).
 */
static double
binomial_fpr(uint64_t n, uint64_t nblocks)
{
	double p, pj, sum, mean;
	uint64_t j;

	p = 1.0 / (double)nblocks;
	mean = (double)n * p;
	pj = power(1.0 - p, n);
	/*
	 * Underflow: blocks are nearly full.  A subnormal P(0) has lost its
	 * precision, and the recurrence below would carry the error into
	 * every term (a rate above 1 for 2581 keys in 4 blocks).
	 */
	if (pj < DBL_MIN)
		return block_fpr((uint64_t)mean);
	sum = 0.0;
	for (j = 0; j <= n; j++) {
		sum += pj * block_fpr(j);
		if ((double)j > mean && pj < 1e-17)
			break;
		pj *= (double)(n - j) / (double)(j + 1) * p / (1.0 - p);
	}
	return sum < 1.0 ? sum : 1.0;	/* rounding stays a probability */
}

double
cairn_bloom_fpr(size_t size, uint64_t nkeys)
{
	uint64_t nblocks;

	nblocks = size / CAIRN_BLOOM_BLOCK;
	if (nblocks == 0)
		return 1.0;
	if (nkeys == 0)
		return 0.0;
	if (nblocks == 1)	/* every key in the one block */
		return block_fpr(nkeys);
	return binomial_fpr(nkeys, nblocks);
}

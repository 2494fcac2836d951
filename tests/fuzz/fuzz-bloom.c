/*
 * fuzz-bloom.c: bloom filter reads (core/bloom.c).  The input's first 32
 * bytes are a key, the rest a filter, cut to a multiple of 64 bytes (the
 * block size cairn_bloom_test requires; an index segment's header is
 * checked for that before its filter is used).  cairn_bloom_test must stay
 * inside the filter, and once cairn_bloom_add has set a key's bits the key
 * must test present.  cairn_bloom_size and cairn_bloom_fpr are fed the
 * input's bytes as key counts.
 */
#include <stdlib.h>
#include <string.h>

#include "bloom.h"
#include "encode.h"

#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char key[32], *bits;
	size_t n;
	uint64_t nkeys;
	double fpr;

	if (size < 32 + 8)
		return 0;
	memcpy(key, data, 32);
	nkeys = cairn_get_be64(data + 32) >> (data[0] & 63);
	n = cairn_bloom_size(nkeys & 0xffffff);
	FUZZ_CHECK(n > 0 && n % CAIRN_BLOOM_BLOCK == 0, "bad bloom size %zu",
	    n);
	n = (size - 32) / CAIRN_BLOOM_BLOCK * CAIRN_BLOOM_BLOCK;
	if (n == 0)
		return 0;
	fpr = cairn_bloom_fpr(n, nkeys);
	FUZZ_CHECK(fpr >= 0 && fpr <= 1, "false positive rate %g", fpr);
	/* An exact-size copy, so a read past the filter is caught. */
	if ((bits = malloc(n)) == NULL)
		return 0;
	memcpy(bits, data + 32, n);
	cairn_bloom_test(bits, n, key);
	cairn_bloom_add(bits, n, key);
	FUZZ_CHECK(cairn_bloom_test(bits, n, key), "an added key is absent");
	free(bits);
	return 0;
}

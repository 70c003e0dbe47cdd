/**
 * A blocked Bloom filter over names (src/base/bloom.ts), keyed by `nameKey`, a 32-bit hash of the
 * name's UTF-8 bytes: `mayHave(k)` is false only for keys never added, and true for others with probability
 * ≈ 10^-3 while at most `capacity` names are in (16 bits a name, 8 bits set per name, all within one 512-bit
 * block: one cache line per lookup).
 *
 * Why: the substitution check needs, for every leaf, the first digest logged under its filename, and the
 * filename index lives in LevelDB so that memory stays bounded whatever the log's size. Almost every filename
 * of an honest log is new, and a LevelDB point read that finds nothing still costs more than all the rest of a
 * leaf's audit. With the filter in front, only filenames that may have been seen are read; a false positive
 * costs one read that finds nothing, never a missed finding. Memory is 2 bytes a filename, far below a map of
 * the names themselves.
 *
 * The key is FNV-1a over UTF-8 bytes so that the leaf decoder can compute it while it scans a filename's bytes
 * (src/leaf/fastleaf.ts), and anything else from the string (`nameKey`, src/base/bloom.ts textKey): both give
 * the same key for the same name.
 */

import { BloomFilter, FNV_OFFSET, FNV_PRIME, fnv1a, textKey } from '../../src/base/index.ts';

/** The monitor's filter of filenames (keys from `nameKey`); see src/base/bloom.ts. */
export { BloomFilter as NameFilter };

export { FNV_OFFSET, FNV_PRIME, fnv1a };

/** The filter key of `name`: FNV-1a of its UTF-8 bytes (as computed while scanning them, see the module comment). */
export const nameKey = textKey;

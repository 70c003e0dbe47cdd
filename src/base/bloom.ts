/**
 * Blocked Bloom filters (Putze, Sanders & Singler 2007) over 32-bit keys: `mayHave(k)` is false only for keys
 * never added, and true for others with probability ≈ 10^-3 while at most `capacity` keys are in (16 bits a key,
 * 8 bits set per key, all within one 512-bit block: one cache line per lookup). Keys should already be
 * well spread (a hash); they are mixed again anyway.
 *
 * Used where a point read in LevelDB that finds nothing is the common case and costs more than the work around
 * it: the log's dedup lookups (most submissions are new) and the monitor's filename index. A false positive
 * costs one read that finds nothing, never a wrong answer.
 */

/** Bits per key at capacity, and bits set per key. */
const BITS_PER_ITEM = 16;
const PROBES = 8;
/** 32-bit words per block (512 bits, one 64-byte cache line). */
const BLOCK_WORDS = 16;

/** FNV-1a's 32-bit offset basis and prime. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of b[start..end) (the unmixed key; see textKey). */
export function fnv1a(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h;
}

const utf8 = new TextEncoder();

/** A filter key for `text`: FNV-1a of its UTF-8 bytes (fnv1a over them gives the same number). */
export function textKey(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      const b = utf8.encode(text);
      return fnv1a(b, 0, b.length);
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}

export class BloomFilter {
  /** How many keys the filter was sized for (at the false-positive rate above). */
  readonly capacity: number;
  readonly #words: Int32Array;
  /** Blocks − 1 (a power of two minus one). */
  readonly #blockMask: number;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError('BloomFilter: bad capacity');
    this.capacity = capacity;
    let blocks = 64; // a power of two, so that choosing a block is a mask
    while (blocks * BLOCK_WORDS * 32 < capacity * BITS_PER_ITEM) blocks *= 2;
    this.#words = new Int32Array(blocks * BLOCK_WORDS);
    this.#blockMask = blocks - 1;
  }

  /** Adds `key`. */
  add(key: number): void {
    this.testAndAdd(key);
  }

  /** Adds `key`; returns mayHave(key) as it was before. */
  testAndAdd(key: number): boolean {
    return this.#probe(key, true);
  }

  /** False if `key` was never added. */
  mayHave(key: number): boolean {
    return this.#probe(key, false);
  }

  /**
   * Whether every bit of `key` is set; with `add`, sets the missing ones (and looks at all of them), without it
   * stops at the first missing one. The one definition of where a key's bits are, for adding and asking alike.
   */
  #probe(key: number, add: boolean): boolean {
    const h = fmix(key);
    const w = this.#words;
    const base = (h & this.#blockMask) * BLOCK_WORDS;
    // Bit positions from a second mix of the key: 9 bits each (512 positions), from a 32-bit LCG.
    let g = fmix(h ^ 0x5bd1e995);
    let had = true;
    for (let i = 0; i < PROBES; i++, g = (Math.imul(g, 0x2c1b3c6d) + 0x297a2d39) | 0) {
      const b = g >>> 23;
      const bit = 1 << (b & 31);
      const j = base + (b >>> 5);
      if ((w[j] & bit) === 0) {
        if (!add) return false;
        had = false;
        w[j] |= bit;
      }
    }
    return had;
  }
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit (FNV-1a's low bits are weak). */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A BloomFilter for a set that keeps growing (a log's dedup keys): a chain of filters, each twice the capacity of
 * the one before; keys go into the newest, lookups ask all of them. With k filters the false-positive rate is
 * at most ≈ k · 10^-3 (about 1 % for 10^7 keys from a first capacity of 65,536).
 */
export class GrowingBloomFilter {
  readonly #filters: BloomFilter[];
  #inNewest = 0;

  constructor(initialCapacity = 65_536) {
    this.#filters = [new BloomFilter(initialCapacity)];
  }

  add(key: number): void {
    let newest = this.#filters[this.#filters.length - 1];
    if (this.#inNewest >= newest.capacity) {
      newest = new BloomFilter(2 * newest.capacity);
      this.#filters.push(newest);
      this.#inNewest = 0;
    }
    newest.add(key);
    this.#inNewest++;
  }

  /** False if `key` was never added. */
  mayHave(key: number): boolean {
    for (const f of this.#filters) if (f.mayHave(key)) return true;
    return false;
  }
}

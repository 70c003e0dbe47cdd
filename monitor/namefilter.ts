/**
 * A blocked Bloom filter over names (Putze, Sanders & Singler 2007), keyed by `nameKey`, a 32-bit hash of the
 * name's UTF-8 bytes: `mayHave(k)` is false only for keys never added, and true for others with probability
 * ≈ 10^-3 while at most `capacity` names are in (16 bits a name, 8 bits set per name, all within one 512-bit
 * block: one cache line per lookup).
 *
 * Why: the substitution check needs, for every leaf, the first digest logged under its filename, and the
 * filename index lives in LevelDB so that memory stays bounded whatever the log's size. Almost every filename
 * of an honest log is new, and a LevelDB point read that finds nothing still costs ~3 µs, more than all the
 * rest of a leaf's audit. With the filter in front, only filenames that may have been seen are read; a false
 * positive costs one read that finds nothing, never a missed finding. Memory is 2 bytes a filename (4 MiB for
 * a 10^6-leaf log sized ×2), far below a map of the names themselves.
 *
 * The key is FNV-1a over UTF-8 bytes so that the leaf decoder can compute it while it scans a filename's bytes
 * (fastleaf.ts), and anything else from the string (`nameKey`): both give the same key for the same name.
 */

/** Bits per name at capacity, and bits set per name. */
const BITS_PER_ITEM = 16;
const PROBES = 8;
/** 32-bit words per block (512 bits, one 64-byte cache line). */
const BLOCK_WORDS = 16;

/** FNV-1a's 32-bit offset basis and prime. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of b[start..end) (the unmixed key; see nameKey). */
export function fnv1a(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h;
}

const utf8 = new TextEncoder();

/** The filter key of `name`: FNV-1a of its UTF-8 bytes (as computed while scanning them, see the module comment). */
export function nameKey(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) {
      const b = utf8.encode(name);
      return fnv1a(b, 0, b.length);
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}

export class NameFilter {
  /** How many names the filter was sized for (at the false-positive rate above). */
  readonly capacity: number;
  readonly #words: Int32Array;
  /** Blocks − 1 (a power of two minus one). */
  readonly #blockMask: number;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError('NameFilter: bad capacity');
    this.capacity = capacity;
    let blocks = 64; // a power of two, so that choosing a block is a mask
    while (blocks * BLOCK_WORDS * 32 < capacity * BITS_PER_ITEM) blocks *= 2;
    this.#words = new Int32Array(blocks * BLOCK_WORDS);
    this.#blockMask = blocks - 1;
  }

  /** Adds the name with key `key`. */
  add(key: number): void {
    this.testAndAdd(key);
  }

  /** Adds the name with key `key`; returns mayHave(key) as it was before. */
  testAndAdd(key: number): boolean {
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
        had = false;
        w[j] |= bit;
      }
    }
    return had;
  }

  /** False if no name with key `key` was ever added. */
  mayHave(key: number): boolean {
    const h = fmix(key);
    const w = this.#words;
    const base = (h & this.#blockMask) * BLOCK_WORDS;
    let g = fmix(h ^ 0x5bd1e995);
    for (let i = 0; i < PROBES; i++, g = (Math.imul(g, 0x2c1b3c6d) + 0x297a2d39) | 0) {
      const b = g >>> 23;
      if ((w[base + (b >>> 5)] & (1 << (b & 31))) === 0) return false;
    }
    return true;
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

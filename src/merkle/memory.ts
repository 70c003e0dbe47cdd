/**
 * An in-memory, append-only RFC 6962 tree (RFC 9162 §2.1) for the sequencer's working state, tests,
 * tools and monitors that rebuild a log.
 *
 * Layout: every stored hash (see stored.ts) lives in one growable byte array, 32 bytes per hash at
 * byte offset 32 · storedHashIndex, so a tree of n leaves is one allocation of about 64·n bytes instead
 * of 2·n small objects, and reads are subarray copies. Appending record n writes its leaf hash and the
 * hashes of the 0 ≤ k ≤ log2(n) subtrees it completes (on average one), reading their left siblings
 * from the same array. The root of the current size is computed on demand (popcount(size) − 1 node
 * hashes) and cached until the next append; roots of earlier sizes are computed the same way.
 *
 * Limits: the array grows by doubling, so a tree holds up to the platform's largest Uint8Array (about
 * 2^32 bytes, 67 million leaves, on Node 20); beyond that append throws TOO_LARGE. Not thread-safe (JS
 * has none to share it with). Returned hashes are always copies: callers cannot corrupt the tree.
 */
import { StamplogError } from '../base/index.ts';
import { popcount, pow2, shr, trailingZeros } from './bits.ts';
import { checkHash, checkTreeSize, checkUint } from './check.ts';
import { HASH_SIZE, emptyRoot, leafHash as hashLeaf, nodeHashInto, type Hash } from './hash.ts';
import { proofEntryHash, proveWithFoldCache, type FoldCache } from './prove.ts';
import { foldRange, rangeIndexes, type HashReader } from './stored.ts';
import { proveMultiInclusion } from './multiproof.ts';

const INITIAL_LEAVES = 1024;

/** An append-only Merkle tree held in memory, readable as a HashReader. */
export class MemoryTree implements HashReader {
  #buf: Uint8Array;
  #stored = 0; // number of stored hashes (storedHashCount(#size))
  #size = 0;
  #root: Hash | undefined; // root of #size, computed on demand
  // Proofs in one tree size share their right-border folds (hashes of the incomplete subtrees): fold once.
  readonly #folds: FoldCache = { size: -1, folds: new Map() };
  readonly #viewReader: HashReader = { readHashes: (indexes) => this.#views(indexes) };

  /** Creates an empty tree with room for `capacityLeaves` leaves before its first reallocation. */
  constructor(capacityLeaves: number = INITIAL_LEAVES) {
    checkUint('capacityLeaves', capacityLeaves);
    this.#buf = allocate(Math.max(2 * capacityLeaves, 4) * HASH_SIZE);
  }

  /** Number of leaves in the tree. */
  get size(): number {
    return this.#size;
  }

  /** Number of stored hashes (2·size − popcount(size)). */
  get storedHashCount(): number {
    return this.#stored;
  }

  /** Appends a leaf with entry bytes `data` (hashed as RFC 6962 §2.1 prescribes) and returns its index. */
  append(data: Uint8Array): number {
    if (!(data instanceof Uint8Array)) throw new StamplogError('MALFORMED', 'leaf data must be a byte array');
    return this.#appendHash(hashLeaf(data));
  }

  /** Appends a leaf whose leaf hash (SHA-256(0x00 || data)) is the 32-byte `hash` and returns its index. */
  appendLeafHash(hash: Hash): number {
    checkHash('leafHash', hash);
    return this.#appendHash(hash);
  }

  #appendHash(h: Uint8Array): number {
    const n = this.#size;
    // Record n completes one subtree per trailing 1 bit of n (stored.ts).
    const completes = trailingZeros(n + 1);
    const first = this.#stored;
    this.#reserve(first + 1 + completes);
    const buf = this.#buf;
    buf.set(h, first * HASH_SIZE);
    for (let i = 0; i < completes; i++) {
      // Left sibling: level i, index (n >> i) − 1, whose leaves end at m + 1 = (n >> i) · 2^i.
      const m = shr(n, i) * pow2(i) - 1;
      const left = 2 * m - popcount(m) + i;
      const right = first + i;
      nodeHashInto(buf, left * HASH_SIZE, buf, right * HASH_SIZE, buf, (right + 1) * HASH_SIZE);
    }
    this.#stored = first + 1 + completes;
    this.#size = n + 1;
    this.#root = undefined;
    return n;
  }

  #reserve(hashes: number): void {
    const need = hashes * HASH_SIZE;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length;
    while (cap < need) cap *= 2;
    const next = allocate(cap);
    next.set(this.#buf.subarray(0, this.#stored * HASH_SIZE));
    this.#buf = next;
  }

  /** Returns the root of the tree at its current size (SHA-256("") when empty). */
  root(): Hash {
    this.#root ??= this.#rootOf(this.#size);
    return this.#root.slice();
  }

  /** Returns the root the tree had when it held `size` ≤ this.size leaves. */
  rootAt(size: number): Hash {
    this.#checkSize('size', size);
    if (size === this.#size) return this.root();
    return this.#rootOf(size);
  }

  #rootOf(size: number): Hash {
    if (size === 0) return emptyRoot(); // RFC 9162 §2.1.1: MTH({}) = SHA-256()
    const indexes = rangeIndexes(0, size, []);
    return foldRange(this.#views(indexes), 0, indexes.length).slice();
  }

  /** Returns the leaf hash of leaf `index` < this.size. */
  leafHash(index: number): Hash {
    checkUint('index', index);
    if (index >= this.#size) throw new StamplogError('NOT_FOUND', 'no leaf with that index', { details: { index } });
    const off = (2 * index - popcount(index)) * HASH_SIZE;
    return this.#buf.slice(off, off + HASH_SIZE);
  }

  /** The first 4 bytes of leaf `index`'s hash as a big-endian uint32 (index < this.size; unchecked, no copy). */
  leafHashPrefix(index: number): number {
    const off = (2 * index - popcount(index)) * HASH_SIZE;
    const b = this.#buf;
    return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  }

  /** True iff leaf `index` (< this.size) has the 32-byte hash `hash` (no copy). */
  leafHashEquals(index: number, hash: Uint8Array): boolean {
    const off = (2 * index - popcount(index)) * HASH_SIZE;
    const b = this.#buf;
    for (let i = 0; i < HASH_SIZE; i++) if (b[off + i] !== hash[i]) return false;
    return true;
  }

  /** Returns the inclusion proof of leaf `index` in the tree of `size` leaves (default: the current size). */
  proveInclusion(index: number, size: number = this.#size): Hash[] {
    this.#checkSize('size', size);
    return proveWithFoldCache(this.#viewReader, this.#folds, size, index);
  }

  /**
   * The hash of inclusion-proof entry `entry` (prove.ts inclusionProofEntries) in the tree of `size` leaves
   * (≤ this.size); right-border folds are shared with proveInclusion.
   */
  proofEntry(entry: number, size: number): Hash {
    this.#checkSize('size', size);
    return proofEntryHash(this.#viewReader, this.#folds, size, entry);
  }

  /** Returns the multi-leaf inclusion proof (multiproof.ts) of the leaves at `indexes` in the tree of `size` leaves (default: the current size). */
  proveMultiInclusion(indexes: readonly number[], size: number = this.#size): Hash[] {
    this.#checkSize('size', size);
    return proveMultiInclusion(indexes, size, this.#viewReader);
  }

  /** Returns the consistency proof from the tree of `size1` leaves to that of `size2` (default: the current size). */
  proveConsistency(size1: number, size2: number = this.#size): Hash[] {
    this.#checkSize('size2', size2);
    return proveWithFoldCache(this.#viewReader, this.#folds, size2, 0, size1);
  }

  /** A copy of the tree's state: its size and every stored hash (32 bytes each, dense stored-hash order). */
  snapshot(): { size: number; stored: Uint8Array } {
    return { size: this.#size, stored: this.#buf.slice(0, this.#stored * HASH_SIZE) };
  }

  /**
   * The tree whose snapshot() gave (`size`, `stored`), without re-hashing: the caller vouches for the hashes (a
   * replica of a tree it trusts; compare roots to check).
   */
  static fromSnapshot(size: number, stored: Uint8Array): MemoryTree {
    checkTreeSize('size', size);
    const count = 2 * size - popcount(size);
    if (!(stored instanceof Uint8Array) || stored.length !== count * HASH_SIZE) throw new StamplogError('MALFORMED', 'snapshot does not hold the stored hashes of its size');
    const tree = new MemoryTree(size);
    tree.#reserve(count + 1);
    tree.#buf.set(stored);
    tree.#stored = count;
    tree.#size = size;
    return tree;
  }

  /** Returns copies of the stored hashes at `indexes`; throws NOT_FOUND for an index not stored yet. */
  readHashes(indexes: readonly number[]): Hash[] {
    if (!Array.isArray(indexes)) throw new StamplogError('MALFORMED', 'indexes must be an array');
    const out = new Array<Hash>(indexes.length);
    for (let i = 0; i < indexes.length; i++) {
      const x: unknown = indexes[i];
      checkUint('index', x);
      if (x >= this.#stored) throw new StamplogError('NOT_FOUND', 'stored hash index beyond the tree', { details: { index: x } });
      out[i] = this.#buf.slice(x * HASH_SIZE, (x + 1) * HASH_SIZE);
    }
    return out;
  }

  /** Views (not copies) of stored hashes, for internal folds that copy what they return. */
  #views(indexes: readonly number[]): Hash[] {
    const buf = this.#buf;
    const out = new Array<Hash>(indexes.length);
    for (let i = 0; i < indexes.length; i++) out[i] = buf.subarray(indexes[i] * HASH_SIZE, (indexes[i] + 1) * HASH_SIZE);
    return out;
  }

  #checkSize(what: string, size: number): void {
    checkTreeSize(what, size);
    if (size > this.#size) {
      throw new StamplogError('NOT_FOUND', `${what} exceeds the tree size`, { details: { [what]: size, treeSize: this.#size } });
    }
  }
}

function allocate(bytes: number): Uint8Array {
  try {
    return new Uint8Array(bytes);
  } catch (cause) {
    throw new StamplogError('TOO_LARGE', 'in-memory tree exceeds the largest byte array', { cause });
  }
}

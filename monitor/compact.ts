/**
 * Merkle helpers the monitor needs beyond src/merkle, pure (no I/O, no clock):
 *
 * - {@link CompactRange}: the right border of an RFC 6962 tree (RFC 9162 §2.1.1) of `size` leaves, i.e. the
 *   hashes of its perfect subtrees largest first, the same nodes as `treeHashIndexes(size)` names. Appending a
 *   leaf hash merges equal-height subtrees, so a follower recomputes a log's root from its leaves in O(log n)
 *   memory and can persist the border as its resumable cursor.
 * - Node proofs: the audit path of a complete interior node (level k, index i) in a tree of `size` leaves.
 *   Seen from level k, a tree is an RFC 6962 tree of ceil(size / 2^k) "leaves" (the complete level-k nodes and
 *   at most one incomplete one), with the same splits; so the node's path is an ordinary inclusion proof of
 *   "leaf" i in that tree, and `rootFromInclusionProof` verifies it. It is the tail of the inclusion proof of
 *   leaf i·2^k, whose first k hashes lie inside the node's own subtree (the node being complete, the RFC 9162
 *   §2.1.3.2 loop takes no shortcut there).
 *
 * Hashes are 32-byte Uint8Arrays; sizes are safe integers ≤ 2^52 (src/merkle's limit).
 */
import { StamplogError } from '../src/base/errors.ts';
import { emptyRoot, hashEqual, nodeHash, rootFromInclusionProof, storedHashIndex, treeHashIndexes } from '../src/merkle/index.ts';
import type { Hash } from '../src/merkle/index.ts';

/** One perfect subtree: `level` k, `index` i, covering leaves [i·2^k, (i+1)·2^k). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** The perfect subtrees of [0, size), largest (leftmost) first: the nodes whose hashes fold into the root. */
export function borderNodes(size: number): NodeId[] {
  const out: NodeId[] = [];
  let at = 0;
  for (let k = 52; k >= 0; k--) {
    const span = 2 ** k;
    if (Math.floor(size / span) % 2 === 1) {
      out.push({ level: k, index: at / span });
      at += span;
    }
  }
  return out;
}

/** The stored-hash index (src/merkle layout) of node `n`. */
export function nodeStoredIndex(n: NodeId): number {
  return storedHashIndex(n.level, n.index);
}

/** The root of the subtrees `hashes` (largest first), folded right to left (RFC 6962 §2.1); SHA-256("") if none. */
export function foldBorder(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return emptyRoot();
  let h = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i], h);
  return h.slice();
}

/** The right border of a growing tree: append leaf hashes, read the root or the border hashes. */
export class CompactRange {
  #size: number;
  readonly #hashes: Hash[];

  /** A range of `size` leaves with border `hashes` (largest subtree first); throws MALFORMED if they cannot match. */
  constructor(size = 0, hashes: readonly Hash[] = []) {
    if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 52) throw new StamplogError('MALFORMED', 'compact range: bad size');
    if (hashes.length !== borderNodes(size).length) throw new StamplogError('MALFORMED', 'compact range: hash count does not match the size');
    for (const h of hashes) if (!(h instanceof Uint8Array) || h.length !== 32) throw new StamplogError('MALFORMED', 'compact range: hash is not 32 bytes');
    this.#size = size;
    this.#hashes = hashes.map((h) => h.slice());
  }

  get size(): number {
    return this.#size;
  }

  /** Copies of the border hashes, largest subtree first (the hashes at treeHashIndexes(size)). */
  hashes(): Hash[] {
    return this.#hashes.map((h) => h.slice());
  }

  /** Appends one leaf hash (SHA-256(0x00 || leaf)). */
  append(leafHash: Hash): void {
    const hs = this.#hashes;
    hs.push(leafHash);
    // Leaf n completes one subtree per trailing 1 bit of n: merge the two smallest each time.
    for (let n = this.#size; n % 2 === 1; n = (n - 1) / 2) {
      const right = hs.pop() as Hash;
      const left = hs.pop() as Hash;
      hs.push(nodeHash(left, right));
    }
    this.#size++;
  }

  /**
   * Appends the hash of a perfect subtree of 2^level leaves (e.g. a whole entry bundle's, level 8), as if its
   * leaves were appended one by one; the range must end on a multiple of 2^level (MALFORMED otherwise).
   */
  appendSubtree(level: number, hash: Hash): void {
    const span = 2 ** level;
    if (!Number.isSafeInteger(level) || level < 0 || level > 52 || this.#size % span !== 0 || this.#size + span > 2 ** 52) {
      throw new StamplogError('MALFORMED', 'compact range: subtree not aligned');
    }
    if (!(hash instanceof Uint8Array) || hash.length !== 32) throw new StamplogError('MALFORMED', 'compact range: hash is not 32 bytes');
    const hs = this.#hashes;
    hs.push(hash.slice());
    // The new node completes one bigger subtree per trailing 1 bit of size / 2^level, as in append.
    for (let n = this.#size / span; n % 2 === 1; n = (n - 1) / 2) {
      const right = hs.pop() as Hash;
      const left = hs.pop() as Hash;
      hs.push(nodeHash(left, right));
    }
    this.#size += span;
  }

  /** The root of the tree of `size` leaves. */
  root(): Hash {
    return foldBorder(this.#hashes);
  }

  /** True when `hashes` (the stored hashes at treeHashIndexes(size), e.g. read from authenticated tiles) equal this border. */
  matches(hashes: readonly Hash[]): boolean {
    return hashes.length === this.#hashes.length && hashes.every((h, i) => hashEqual(h, this.#hashes[i]));
  }
}

/** The stored-hash indexes of the border of [0, size) (same as treeHashIndexes). */
export function borderIndexes(size: number): number[] {
  return treeHashIndexes(size);
}

/**
 * The audit path of the complete node `n` in the tree of `size` leaves, from `leafProof`, the inclusion proof
 * of leaf n.index·2^n.level in that tree: its first n.level hashes lie inside the node and are dropped.
 * Requires (n.index + 1)·2^n.level ≤ size.
 */
export function nodeProofFromLeafProof(n: NodeId, size: number, leafProof: readonly Hash[]): Hash[] {
  if ((n.index + 1) * 2 ** n.level > size) throw new StamplogError('MALFORMED', 'node proof: the node is not complete in this tree');
  if (leafProof.length < n.level) throw new StamplogError('PROOF_MISMATCH', 'node proof: leaf proof shorter than the node height');
  return leafProof.slice(n.level).map((h) => h.slice());
}

/**
 * The root that `proof` implies for a tree of `size` leaves whose complete node `n` has hash `hash`; throws
 * PROOF_MISMATCH (as rootFromInclusionProof) for a proof of the wrong length or a node that is not complete.
 */
export function rootFromNodeProof(n: NodeId, hash: Hash, size: number, proof: readonly Hash[]): Hash {
  if (!Number.isSafeInteger(n.level) || n.level < 0 || n.level > 52 || !Number.isSafeInteger(n.index) || n.index < 0) {
    throw new StamplogError('MALFORMED', 'node proof: bad node position');
  }
  if ((n.index + 1) * 2 ** n.level > size) throw new StamplogError('PROOF_MISMATCH', 'node proof: the node is not complete in this tree');
  return rootFromInclusionProof(hash, n.index, Math.ceil(size / 2 ** n.level), proof);
}

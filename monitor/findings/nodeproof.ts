/**
 * Node proofs: the audit path of a complete interior node (level k, index i) in a tree of `size` leaves, as
 * equivocation evidence carries them (evidence.ts). Pure: no I/O, no clock.
 *
 * Seen from level k, a tree is an RFC 6962 tree of ceil(size / 2^k) "leaves" (the complete level-k nodes and
 * at most one incomplete one), with the same splits; so the node's path is an ordinary inclusion proof of
 * "leaf" i in that tree, and `rootFromInclusionProof` verifies it. It is the tail of the inclusion proof of
 * leaf i·2^k, whose first k hashes lie inside the node's own subtree (the node being complete, the RFC 9162
 * §2.1.3.2 loop takes no shortcut there).
 *
 * Hashes are 32-byte Uint8Arrays; sizes are safe integers ≤ 2^52 (src/merkle's limit).
 */
import { StamplogError } from '../../src/base/index.ts';
import { rootFromInclusionProof } from '../../src/merkle/index.ts';
import type { Hash } from '../../src/merkle/index.ts';

/** One perfect subtree: `level` k, `index` i, covering leaves [i·2^k, (i+1)·2^k) (as src/merkle treeHashNodes). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
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

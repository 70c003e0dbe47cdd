/**
 * Offline receipt verification: a receipt is a C2SP tlog-proof (c2sp.org/tlog-proof@v1) whose `extra` line
 * carries the leaf bytes. Verifying it against a trust policy (C2SP tlog-policy) means, in this order:
 *   1. the embedded checkpoint is signed by a log of the policy and cosigned by the policy's witness quorum;
 *   2. the leaf bytes hash (RFC 6962 §2.1) to a leaf that the inclusion proof places at `index` under the
 *      checkpoint's root (RFC 9162 §2.1.3.2);
 *   3. the leaf is a canonical stamplog entry (DESIGN §3), decoded strictly.
 * Nothing here touches the network or the clock.
 */
import { StamplogError } from '../base/index.ts';
import { leafHash, verifyInclusion } from '../merkle/index.ts';
import { parseTlogProof, verifyCheckpointWithPolicy } from '../note/index.ts';
import type { Policy, WitnessCosignature, Checkpoint } from '../note/index.ts';
import { decodeLeaf } from '../leaf/index.ts';
import type { Entry } from '../leaf/index.ts';

/** What a verified receipt proves. */
export interface VerifiedReceipt {
  index: number;
  entry: Entry;
  leaf: Uint8Array;
  leafHash: Uint8Array;
  checkpoint: Checkpoint;
  /** The witnesses whose cosignatures verified (and the times they assert). */
  witnesses: readonly WitnessCosignature[];
}

/**
 * Verifies the tlog-proof text `receipt` against `policy`: log signature, witness quorum, inclusion of its
 * leaf, canonical leaf; returns what it proves, or throws a StamplogError naming what failed
 * (UNVERIFIED, POLICY_UNSATISFIED, PROOF_MISMATCH, MALFORMED).
 */
export function verifyReceipt(receipt: string | Uint8Array, policy: Policy, opts: { origin?: string } = {}): VerifiedReceipt {
  const parsed = parseTlogProof(receipt);
  const { checkpoint, witnesses } = verifyCheckpointWithPolicy(policy, parsed.note, opts);
  if (parsed.extra === undefined) throw new StamplogError('MALFORMED', 'receipt: no extra line (the leaf bytes) to verify');
  const hash = leafHash(parsed.extra);
  verifyInclusion(hash, parsed.index, checkpoint.size, parsed.proof, checkpoint.rootHash);
  const entry = decodeLeaf(parsed.extra);
  return { index: parsed.index, entry, leaf: parsed.extra, leafHash: hash, checkpoint, witnesses };
}

/**
 * A receipt verifier for many receipts against one policy (a backfill, a batch append): the same as
 * {@link verifyReceipt}, but each distinct checkpoint note is verified once and remembered (at most
 * `cacheSize` notes), so a thousand receipts of one batch cost one signature check and a thousand inclusion
 * proofs.
 */
export function receiptVerifier(policy: Policy, opts: { origin?: string; cacheSize?: number } = {}): (receipt: string | Uint8Array) => VerifiedReceipt {
  const cache = new Map<string, { checkpoint: Checkpoint; witnesses: readonly WitnessCosignature[] }>();
  const max = opts.cacheSize ?? 64;
  return (receipt) => {
    const parsed = parseTlogProof(receipt);
    let cp = cache.get(parsed.note);
    if (cp === undefined) {
      const v = verifyCheckpointWithPolicy(policy, parsed.note, opts);
      cp = { checkpoint: v.checkpoint, witnesses: v.witnesses };
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(parsed.note, cp);
    }
    if (parsed.extra === undefined) throw new StamplogError('MALFORMED', 'receipt: no extra line (the leaf bytes) to verify');
    const hash = leafHash(parsed.extra);
    verifyInclusion(hash, parsed.index, cp.checkpoint.size, parsed.proof, cp.checkpoint.rootHash);
    const entry = decodeLeaf(parsed.extra);
    return { index: parsed.index, entry, leaf: parsed.extra, leafHash: hash, checkpoint: cp.checkpoint, witnesses: cp.witnesses };
  };
}

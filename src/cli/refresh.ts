/**
 * `stamplog refresh <file> [--proof R] [--log URL] [--policy P]`: replaces a receipt (default
 * `<file>.tlog-proof`) by one against the log's newest published checkpoint, e.g. to turn the log-signed
 * receipt of an append into one that carries the witness cosignatures a policy requires (DESIGN §4 step 7:
 * "a receipt … can later be refreshed to a witnessed one").
 *
 * Nothing is taken on trust: the old receipt must verify (log signature, inclusion) against the pinned key
 * or the policy's logs; the published checkpoint must satisfy the policy (its quorum) and be consistent
 * with the trust store, and must cover the entry; the old receipt's tree must be proven a prefix of the new
 * one; the new inclusion proof must place the same leaf under the new root. Only then is the new receipt
 * written, atomically, in place of the old one. Exit statuses as for every command (exit.ts): 13 when the
 * published checkpoint does not (yet) carry the quorum or does not yet cover the entry.
 */
import { readFile } from 'node:fs/promises';
import { verifyConsistency, hashEqual } from '../merkle/index.ts';
import { QUORUM_NONE, verifyCheckpointWithPolicy, formatTlogProof } from '../note/index.ts';
import { receiptCheck, failure, tagged, taggedAsync, verifyReceipt } from '../verify/index.ts';
import { writeFileAtomic } from '../client/index.ts';
import { connect, note } from './common.ts';
import type { OnlineOptions } from './common.ts';

export interface RefreshOptions extends OnlineOptions {
  proof?: string;
}

export async function refreshFile(file: string, opts: RefreshOptions): Promise<void> {
  const path = opts.proof ?? `${file}.tlog-proof`;
  const text = await taggedAsync('usage', `receipt ${path}`, () => readFile(path));
  const conn = await connect(opts);
  const origin = conn.info.origin;
  // The old receipt need not meet the quorum (that is why it is refreshed), but it must be this log's.
  const old = tagged(receiptCheck, `the receipt ${path}`, () => verifyReceipt(text, { ...conn.policy, quorum: QUORUM_NONE }, { origin }));

  const published = await conn.client.checkpoint();
  const cp = tagged(receiptCheck, 'the published checkpoint', () => verifyCheckpointWithPolicy(conn.policy, published, { origin })).checkpoint;
  await conn.store.observe(origin, published, (a, b) => conn.client.consistencyProof(a, b));
  if (cp.size <= old.index) {
    throw failure('witness-quorum', 'POLICY_UNSATISFIED', `the published checkpoint (size ${cp.size}) does not cover index ${old.index} yet; try again later`);
  }
  const oldSize = old.checkpoint.size;
  if (oldSize > cp.size) {
    throw failure('witness-quorum', 'POLICY_UNSATISFIED', `the published checkpoint (size ${cp.size}) is older than the receipt's (size ${oldSize}); try again later`);
  }
  if (oldSize === cp.size) {
    if (!hashEqual(old.checkpoint.rootHash, cp.rootHash)) {
      throw failure('consistency', 'INCONSISTENT', `the receipt's checkpoint and the published one have size ${cp.size} but different roots`);
    }
  } else {
    const proof = await conn.client.consistencyProof(oldSize, cp.size);
    tagged('consistency', `consistency of the receipt's tree (size ${oldSize}) with the published one (size ${cp.size})`, () =>
      verifyConsistency(oldSize, cp.size, proof, old.checkpoint.rootHash, cp.rootHash),
    );
  }
  const inclusion = await conn.client.inclusionProof(old.index, cp.size);
  const fresh = formatTlogProof({ extra: old.leaf, index: old.index, proof: inclusion, note: published });
  const verified = tagged(receiptCheck, 'the refreshed receipt', () => verifyReceipt(fresh, conn.policy, { origin }));
  await writeFileAtomic(path, fresh);
  const names = verified.witnesses.map((w) => w.name);
  note(`refreshed ${path}: index ${old.index} now proven in tree size ${cp.size}${names.length > 0 ? `, cosigned by ${names.join(', ')}` : ''}`);
}

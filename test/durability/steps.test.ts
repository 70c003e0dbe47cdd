/**
 * A crash at each step of the sequencer's commit protocol (DESIGN §4 steps 3–6), in process with the
 * MemoryStore's fault hooks: the failing append is never acknowledged, the log stops taking writes, and the
 * restart recovers a state that is consistent with every checkpoint signed before — the batch wholly absent
 * (commit failed before persisting) or wholly present and signed at start-up (commit or checkpoint failed
 * after persisting) — and a resubmission gets the right answer (new, or the original index).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStamplogError } from '../../src/base/errors.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { MemoryStoreFaults } from '../../src/store/memory.ts';
import { verifyConsistency } from '../../src/merkle/verify.ts';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { parsePolicy } from '../../src/note/policy.ts';
import { openTestLog, submission, testKeys } from './common.ts';

const policy = parsePolicy(`log ${testKeys().logVerifierKey}\nquorum none\n`);

async function crashAt(fault: keyof MemoryStoreFaults, persisted: boolean): Promise<void> {
  const store = new MemoryStore();
  let log = await openTestLog(store, { sequencer: { batchMs: 0 } });
  await log.append([submission('s', 0), submission('s', 1), submission('s', 2)]);
  const before = log.checkpoint;

  store.faults[fault] = true;
  await assert.rejects(log.append([submission('s', 3), submission('s', 4)]), (e) => isStamplogError(e) && /injected fault/.test(e.message));
  assert.ok(log.failure !== undefined, 'the log stopped');
  await assert.rejects(log.append([submission('s', 5)]), 'later writes are refused until a restart');
  assert.deepEqual(log.checkpoint, before, 'nothing new was published');
  await store.close();

  // The restart re-verifies storage; the checkpoint it serves covers the batch iff the batch was persisted.
  log = await openTestLog(store, { sequencer: { batchMs: 0 } });
  assert.equal(log.checkpoint.size, persisted ? 5 : 3);
  verifyConsistency(before.size, log.checkpoint.size, log.consistencyProof(before.size, log.checkpoint.size), before.root, log.checkpoint.root);

  // The submitter retries: the original index when the batch survived, a new leaf at the same index when not.
  const [r3, r4] = await log.append([submission('s', 3), submission('s', 4)]);
  assert.deepEqual([r3.index, r4.index], [3, 4]);
  assert.deepEqual([r3.duplicate, r4.duplicate], [persisted, persisted]);
  for (const r of [r3, r4]) verifyReceipt(r.proof, policy);
  assert.equal(log.checkpoint.size, 5);
  await store.close();
}

describe('a crash at each step of a commit', () => {
  it('before the commit reached storage: the batch is absent after restart, a retry logs it anew', () => crashAt('failCommitWithoutPersisting', false));
  it('after the commit reached storage, before it was reported: the restart signs the batch, a retry gets its index', () =>
    crashAt('failCommitButPersist', true));
  it('after the commit, before the checkpoint was persisted: the restart signs the batch, a retry gets its index', () => crashAt('failCheckpoint', true));
});

/**
 * The backfill's check of multi-proof answers (src/ingest/backfill.ts multiproofChecker) against answers a real
 * in-process log wrote: an honest answer passes, and every kind of lie about where or when an entry was logged,
 * which entry it was, or who signed the checkpoint fails with the check it belongs to.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { multiproofChecker } from '../../src/ingest/backfill.ts';
import { failedCheck } from '../../src/verify/failure.ts';
import { multiproofAnswer } from '../../src/client/http.ts';
import type { MultiproofAnswer } from '../../src/client/http.ts';
import { generateCosignerKey } from '../../src/note/cosignature.ts';
import { parsePolicy } from '../../src/note/policy.ts';
import type { Submission } from '../../src/leaf/types.ts';
import { artifact, logKeys, openMemoryLog, ORIGIN } from '../log/fixtures.ts';

const policy = parsePolicy(`log ${logKeys().logVerifierKey}\nquorum none\n`);

async function answerFor(subs: Submission[], seedByte?: number): Promise<MultiproofAnswer> {
  const { log } = await openMemoryLog(seedByte === undefined ? {} : { seedByte });
  await log.append([artifact(900), artifact(901), artifact(902)]); // something before the batch
  const { body } = await log.append(subs, { receipts: 'multiproof' });
  const answer = multiproofAnswer(JSON.parse(body), subs.length);
  assert.ok(answer !== undefined, 'the log writes the shape the client reads');
  return answer;
}

/** Asserts that `fn` fails the check `check` with a message matching `message`. */
function fails(fn: () => unknown, check: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal(failedCheck(e), check, String(e));
    assert.match((e as Error).message, message);
    return true;
  });
}

describe('multiproofChecker', () => {
  const subs = Array.from({ length: 40 }, (_, i) => artifact(i));

  it('passes an honest answer, duplicates included, and returns its checkpoint', async () => {
    const check = multiproofChecker(policy, ORIGIN);
    const a = await answerFor(subs);
    assert.equal(check(a, subs, 'batch 0').size, 43);
    // A batch sent again (every entry a duplicate, each with its logged leaf), and one with an entry twice.
    const { log } = await openMemoryLog();
    await log.append(subs, { receipts: 'multiproof' });
    const again = multiproofAnswer(JSON.parse((await log.append([...subs, subs[0]], { receipts: 'multiproof' })).body), subs.length + 1) as MultiproofAnswer;
    assert.ok(again.entries.every((e) => e.duplicate && e.leaf !== undefined));
    assert.equal(check(again, [...subs, subs[0]], 'batch 1').size, 40);
  });

  it('fails a changed time, index, proof hash or entry as a proof failure', async () => {
    const check = multiproofChecker(policy, ORIGIN);
    const honest = await answerFor(subs);
    const copy = (): MultiproofAnswer => ({ ...honest, entries: honest.entries.map((e) => ({ ...e })), proof: honest.proof.map((h) => h.slice()) });
    let a = copy();
    a.entries[7].time += 1;
    fails(() => check(a, subs, 'batch 0'), 'proof', /^batch 0: multi-leaf inclusion proof/);
    a = copy();
    [a.entries[3].index, a.entries[4].index] = [a.entries[4].index, a.entries[3].index];
    fails(() => check(a, subs, 'batch 0'), 'proof', /multi-leaf inclusion proof/);
    a = copy();
    a.entries[5].index = a.entries[6].index;
    fails(() => check(a, subs, 'batch 0'), 'proof', /two different entries answered at index/);
    a = copy();
    a.proof[0][0] ^= 1;
    fails(() => check(a, subs, 'batch 0'), 'proof', /multi-leaf inclusion proof/);
    a = copy();
    a.proof.pop();
    fails(() => check(a, subs, 'batch 0'), 'proof', /multi-leaf inclusion proof has/);
    // The answer to another batch.
    fails(() => check(honest, subs.map((_, i) => artifact(i + 500)), 'batch 0'), 'proof', /multi-leaf inclusion proof/);
  });

  it('fails a duplicate whose logged leaf is another entry', async () => {
    const check = multiproofChecker(policy, ORIGIN);
    const { log } = await openMemoryLog();
    await log.append(subs, { receipts: 'multiproof' });
    const again = multiproofAnswer(JSON.parse((await log.append(subs, { receipts: 'multiproof' })).body), subs.length) as MultiproofAnswer;
    again.entries[2].leaf = again.entries[3].leaf;
    fails(() => check(again, subs, 'batch 9'), 'proof', /^batch 9: the log answered another entry \(index 2\) for proj_a_2/);
  });

  it('fails a checkpoint of another log, or one without the witness quorum the policy requires', async () => {
    const check = multiproofChecker(policy, ORIGIN);
    const otherLog = await answerFor(subs, 7);
    fails(() => check(otherLog, subs, 'batch 0'), 'log-signature', /^batch 0: checkpoint/);
    const w = generateCosignerKey('witness.example/w1', new Uint8Array(32).fill(42));
    const strict = multiproofChecker(parsePolicy(`log ${logKeys().logVerifierKey}\nwitness w1 ${w.verifierKey}\nquorum w1\n`), ORIGIN);
    const unwitnessed = await answerFor(subs);
    fails(() => strict(unwitnessed, subs, 'batch 0'), 'witness-quorum', /^batch 0: checkpoint/);
  });

  it('reads only the multi-proof shape', () => {
    const good = { checkpoint: 'x', entries: [{ index: 1, time: 2, duplicate: false }], proof: [] };
    assert.ok(multiproofAnswer(good, 1) !== undefined);
    assert.equal(multiproofAnswer(good, 2), undefined);
    assert.equal(multiproofAnswer({ ...good, entries: [{ index: -1, time: 2, duplicate: false }] }, 1), undefined);
    assert.equal(multiproofAnswer({ ...good, entries: [{ index: 1, time: 2, duplicate: true }] }, 1), undefined);
    assert.equal(multiproofAnswer({ ...good, proof: ['AAAA'] }, 1), undefined);
    assert.equal(multiproofAnswer({ ...good, proof: Array.from({ length: 65 }, () => Buffer.alloc(32).toString('base64')) }, 1), undefined);
    assert.equal(multiproofAnswer({ receipts: [] }, 0), undefined);
  });
});

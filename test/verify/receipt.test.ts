import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { parsePolicy } from '../../src/note/policy.ts';
import { parseTlogProof, formatTlogProof } from '../../src/note/tlogproof.ts';
import { generateCosignerKey } from '../../src/note/cosignature.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { artifact, logKeys, openMemoryLog } from '../log/fixtures.ts';

const keys = logKeys();
const policy = parsePolicy(`log ${keys.logVerifierKey}\nquorum none\n`);

describe('verifyReceipt', async () => {
  const { log } = await openMemoryLog();
  const receipts = await log.append(Array.from({ length: 9 }, (_, i) => artifact(i)));

  it('accepts a receipt from the log and returns its entry', () => {
    const v = verifyReceipt(receipts[4].proof, policy);
    assert.equal(v.index, 4);
    assert.equal(v.entry.subject.filename, receipts[4].entry.subject.filename);
    assert.equal(v.checkpoint.size, 9);
  });

  it('rejects a receipt whose leaf was swapped for another entry (PROOF_MISMATCH)', () => {
    const a = parseTlogProof(receipts[4].proof);
    const b = parseTlogProof(receipts[5].proof);
    const swapped = formatTlogProof({ extra: b.extra, index: a.index, proof: a.proof, note: a.note });
    assert.throws(() => verifyReceipt(swapped, policy), (e) => isStamplogError(e, 'PROOF_MISMATCH'));
  });

  it('rejects a receipt whose index was changed', () => {
    const a = parseTlogProof(receipts[4].proof);
    const moved = formatTlogProof({ extra: a.extra, index: 5, proof: a.proof, note: a.note });
    assert.throws(() => verifyReceipt(moved, policy), (e) => isStamplogError(e, 'PROOF_MISMATCH'));
  });

  it('rejects a receipt from another log (UNVERIFIED)', async () => {
    const { log: other } = await openMemoryLog({ seedByte: 7 });
    const [r] = await other.append([artifact(1)]);
    assert.throws(() => verifyReceipt(r.proof, policy), (e) => isStamplogError(e, 'UNVERIFIED'));
  });

  it('rejects a receipt without the witness quorum the policy requires (POLICY_UNSATISFIED)', () => {
    const w = generateCosignerKey('witness.example/w1', new Uint8Array(32).fill(42));
    const strict = parsePolicy(`log ${keys.logVerifierKey}\nwitness w1 ${w.verifierKey}\nquorum w1\n`);
    assert.throws(() => verifyReceipt(receipts[0].proof, strict), (e) => isStamplogError(e, 'POLICY_UNSATISFIED'));
  });

  it('rejects a receipt with a flipped bit in the leaf bytes', () => {
    const a = parseTlogProof(receipts[2].proof);
    const leaf = a.extra!.slice();
    leaf[leaf.length - 1] ^= 1;
    const bad = formatTlogProof({ extra: leaf, index: a.index, proof: a.proof, note: a.note });
    assert.throws(() => verifyReceipt(bad, policy), (e) => isStamplogError(e));
  });
});

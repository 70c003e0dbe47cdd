import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { parsePolicy, verifyCheckpointWithPolicy } from '../../src/note/policy.ts';
import { openCheckpoint } from '../../src/note/checkpoint.ts';
import { ed25519NoteVerifier } from '../../src/note/keys.ts';
import { MemoryTree } from '../../src/merkle/memory.ts';
import { verifyConsistency } from '../../src/merkle/verify.ts';
import { hashEqual, leafHash } from '../../src/merkle/hash.ts';
import { StamplogError, isStamplogError } from '../../src/base/errors.ts';
import { TransparencyLog } from '../../src/log/log.ts';
import { asciiJSON } from '../../src/base/json.ts';
import { encodeLeaf, makeEntry } from '../../src/leaf/entry.ts';
import { verifyMultiInclusion } from '../../src/merkle/multiproof.ts';
import { parseTlogProof } from '../../src/note/tlogproof.ts';
import { artifact, logKeys, openMemoryLog, ORIGIN } from './fixtures.ts';

const policy = parsePolicy(`log ${logKeys().logVerifierKey}\nquorum none\n`);

describe('TransparencyLog', () => {
  it('serves a signed checkpoint of size 0 with the empty root from its first start', async () => {
    const { log } = await openMemoryLog();
    const cp = openCheckpoint(log.checkpoint.note, ed25519NoteVerifier(log.logVerifierKey)).checkpoint;
    assert.equal(cp.size, 0);
    assert.equal(Buffer.from(cp.rootHash).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('answers concurrent appends with consecutive indexes and receipts that verify offline', async () => {
    const { log } = await openMemoryLog();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([artifact(i)])));
    const indexes = results.map((r) => r[0].index).sort((a, b) => a - b);
    assert.deepEqual(indexes, Array.from({ length: 50 }, (_, i) => i));
    for (const [r] of results) {
      const v = verifyReceipt(r.proof, policy);
      assert.equal(v.index, r.index);
      assert.equal(r.duplicate, false);
    }
    assert.equal(log.checkpoint.size, 50);
  });

  it('deduplicates an identical resubmission, in a later batch and within one batch', async () => {
    const { log } = await openMemoryLog();
    const [first] = await log.append([artifact(1)]);
    const [again] = await log.append([artifact(1)]);
    assert.equal(again.index, first.index);
    assert.equal(again.duplicate, true);
    const batch = await log.append([artifact(2), artifact(3), artifact(2)]);
    assert.deepEqual(batch.map((r) => [r.index, r.duplicate]), [[1, false], [2, false], [1, true]]);
    assert.equal(log.checkpoint.size, 3);
    verifyReceipt(again.proof, policy);
    verifyReceipt(batch[2].proof, policy);
  });

  it('keeps every checkpoint consistent with the next, and its tiles equal a locally rebuilt tree', async () => {
    const { log } = await openMemoryLog();
    const tree = new MemoryTree();
    let prev = log.checkpoint;
    for (let b = 0; b < 12; b++) {
      const receipts = await log.append(Array.from({ length: 37 }, (_, i) => artifact(b * 37 + i)));
      for (const r of receipts) tree.append((await log.entry(r.index)).leaf);
      const cp = log.checkpoint;
      assert.ok(hashEqual(cp.root, tree.root()));
      if (prev.size > 0) verifyConsistency(prev.size, cp.size, log.consistencyProof(prev.size, cp.size), prev.root, cp.root);
      prev = cp;
    }
    assert.ok(hashEqual(log.tile({ level: 0, index: 0, width: 256 }), (await import('../../src/merkle/tiles.ts')).tileData({ level: 0, index: 0, width: 256 }, tree)));
  });

  it('restarts from its store, re-verifying, and keeps appending after the same tree', async () => {
    const { log, store } = await openMemoryLog();
    await log.append(Array.from({ length: 300 }, (_, i) => artifact(i)));
    const before = log.checkpoint;
    await store.close();
    const { log: again } = await openMemoryLog({ store });
    assert.equal(again.checkpoint.size, 300);
    assert.ok(hashEqual(again.checkpoint.root, before.root));
    const [r] = await again.append([artifact(1000)]);
    assert.equal(r.index, 300);
    verifyConsistency(300, 301, again.consistencyProof(300, 301), before.root, again.checkpoint.root);
    // The dedup filter was rebuilt from the store: every entry of the first run is still a duplicate.
    const resubmitted = await again.append(Array.from({ length: 300 }, (_, i) => artifact(i)));
    assert.ok(resubmitted.every((x, i) => x.duplicate && x.index === i));
    assert.equal(again.checkpoint.size, 301);
  });

  it('refuses to open a store signed by another log key', async () => {
    const { log, store } = await openMemoryLog();
    await log.append([artifact(1)]);
    await store.close();
    await assert.rejects(openMemoryLog({ store, seedByte: 9 }), (e) => isStamplogError(e, 'CORRUPTION'));
  });

  it('signs a checkpoint at start-up for leaves committed after the last checkpoint (crash between commit and sign)', async () => {
    const { log, store } = await openMemoryLog();
    await log.append([artifact(1)]);
    store.faults.failCheckpoint = true;
    await assert.rejects(log.append([artifact(2)]));
    assert.ok(isStamplogError(log.failure));
    await assert.rejects(log.append([artifact(3)]), 'a stopped log refuses writes');
    await store.close();
    const { log: again } = await openMemoryLog({ store });
    assert.equal(again.checkpoint.size, 2);
  });

  it('never reveals beyond the published size: proofs, entries and tiles past it are NOT_FOUND', async () => {
    const { log } = await openMemoryLog();
    await log.append(Array.from({ length: 10 }, (_, i) => artifact(i)));
    await assert.rejects(log.entry(10), (e) => isStamplogError(e, 'NOT_FOUND'));
    assert.throws(() => log.inclusionProof(0, 11), (e) => isStamplogError(e, 'NOT_FOUND'));
    assert.throws(() => log.consistencyProof(1, 11), (e) => isStamplogError(e, 'NOT_FOUND'));
    assert.throws(() => log.tile({ level: 0, index: 0, width: 11 }), (e) => isStamplogError(e, 'NOT_FOUND'));
    await assert.rejects(log.entryBundle(0, 11), (e) => isStamplogError(e, 'NOT_FOUND'));
    assert.equal((await log.entryBundle(0, 10)).length > 0, true);
  });

  it('finds entries by leaf hash, sha256, filename and project+version', async () => {
    const { log } = await openMemoryLog();
    const receipts = await log.append(Array.from({ length: 20 }, (_, i) => artifact(i)));
    const r = receipts[13];
    assert.equal(await log.indexOfLeafHash(Buffer.from(r.leafHash, 'hex')), 13);
    assert.deepEqual(await log.search('sha256', r.entry.subject.sha256, -1, 10), [13]);
    assert.deepEqual(await log.search('filename', r.entry.subject.filename, -1, 10), [13]);
    assert.deepEqual(await log.search('projectVersion', `${r.entry.subject.project}\u0000${r.entry.subject.version}`, -1, 10), [13]);
    assert.deepEqual(await log.search('project', 'proj-6', -1, 10), [6, 13]);
  });

  it('rejects a log key named after another origin', async () => {
    const { MemoryStore } = await import('../../src/store/memory.ts');
    const store = new MemoryStore();
    await store.open();
    const k = logKeys();
    await assert.rejects(
      TransparencyLog.open(store, { origin: `${ORIGIN}2`, logKey: k.logKey, timestampKey: k.timestampKey }),
      (e) => isStamplogError(e, 'MALFORMED'),
    );
  });
});

/** Append rounds that cover new entries, duplicates of earlier rounds and of themselves, later sizes, non-ASCII text. */
const ROUNDS = (() => {
  const withName = (i: number, filename: string) => {
    const a = artifact(i);
    return { ...a, subject: { ...a.subject, filename } };
  };
  return [
    [artifact(1)],
    Array.from({ length: 300 }, (_, i) => artifact(100 + i)),
    [artifact(1), artifact(2), artifact(2), artifact(150)], // a duplicate, a new one twice, an older one
    [withName(3, 'caf\u00e9-\u{1F600}-1.0.tar.gz')],
    Array.from({ length: 40 }, (_, i) => artifact(1000 + i)),
  ];
})();

describe('TransparencyLog.append as text', () => {
  it('answers the JSON text of the reference receipts, ASCII only, for new entries, duplicates and later sizes', async () => {
    const objects = (await openMemoryLog()).log;
    const texts = (await openMemoryLog()).log;
    for (const subs of ROUNDS) {
      const expected = await objects.append(subs);
      const got = await texts.append(subs, { receipts: 'receipts' });
      assert.equal(typeof got.body, 'string');
      const body = got.body as string;
      assert.match(body, /^[\x20-\x7e]*$/);
      assert.equal(got.count, expected.length);
      assert.equal(got.duplicates, expected.filter((r) => r.duplicate).length);
      assert.deepEqual(JSON.parse(body), { receipts: expected });
      assert.equal(body, `{"receipts":[${expected.map((r) => asciiJSON(JSON.stringify(r))).join(',')}]}`);
    }
  });

  it('answers one submission with its receipt alone', async () => {
    const objects = (await openMemoryLog()).log;
    const texts = (await openMemoryLog()).log;
    for (const sub of [artifact(1), artifact(2), artifact(1)]) {
      const [expected] = await objects.append([sub]);
      const got = await texts.append([sub], { receipts: 'receipt' });
      assert.equal(got.body, asciiJSON(JSON.stringify(expected)));
      assert.deepEqual([got.count, got.duplicates], [1, expected.duplicate ? 1 : 0]);
    }
    await assert.rejects(texts.append([artifact(3), artifact(4)], { receipts: 'receipt' }), (e) => isStamplogError(e, 'INTERNAL'));
  });
});

describe('TransparencyLog.append as a multi-proof', () => {
  it('answers where each receipt would have put the entry, with one proof that verifies for the whole batch', async () => {
    const receipts = (await openMemoryLog()).log;
    const multi = (await openMemoryLog()).log;
    for (const subs of ROUNDS) {
      const expected = await receipts.append(subs);
      const got = await multi.append(subs, { receipts: 'multiproof' });
      assert.match(got.body, /^[\x20-\x7e]*$/);
      assert.equal(got.count, subs.length);
      assert.equal(got.duplicates, expected.filter((r) => r.duplicate).length);
      const answer = JSON.parse(got.body) as { checkpoint: string; entries: { index: number; time: number; duplicate: boolean; leaf?: string }[]; proof: string[] };
      assert.deepEqual(Object.keys(answer), ['checkpoint', 'entries', 'proof']);
      // The same checkpoint the receipts carry, and the same places and times.
      assert.equal(answer.checkpoint, parseTlogProof(expected[0].proof).note);
      const cp = verifyCheckpointWithPolicy(policy, answer.checkpoint).checkpoint;
      assert.equal(cp.size, multi.checkpoint.size);
      const byIndex = new Map<number, Uint8Array>();
      answer.entries.forEach((e, i) => {
        const r = verifyReceipt(expected[i].proof, policy);
        assert.deepEqual({ index: e.index, time: e.time, duplicate: e.duplicate }, { index: r.index, time: r.entry.time, duplicate: expected[i].duplicate });
        // A new entry's leaf is the submission's canonical encoding at `time`; a duplicate's is sent.
        if (e.duplicate) assert.deepEqual(Buffer.from(e.leaf ?? '', 'base64'), Buffer.from(r.leaf));
        else assert.equal(e.leaf, undefined);
        const leaf = e.duplicate ? r.leaf : encodeLeaf(makeEntry(subs[i], e.time));
        assert.deepEqual(leaf, r.leaf);
        byIndex.set(e.index, leafHash(leaf));
      });
      const indexes = [...byIndex.keys()].sort((a, b) => a - b);
      const proof = answer.proof.map((h) => new Uint8Array(Buffer.from(h, 'base64')));
      verifyMultiInclusion(indexes, indexes.map((i) => byIndex.get(i) as Uint8Array), cp.size, proof, cp.rootHash);
      if (indexes.length > 1) {
        // The first leaf's hash in the last one's place: refused.
        const swapped = indexes.map((i) => byIndex.get(i === indexes[0] ? (indexes.at(-1) as number) : i) as Uint8Array);
        assert.throws(() => verifyMultiInclusion(indexes, swapped, cp.size, proof, cp.rootHash), /multi-leaf inclusion proof/);
      }
    }
  });
});

describe('TransparencyLog.append with a check', () => {
  it('sequences a submission only once its check passed, and nothing whose check failed', async () => {
    const { log } = await openMemoryLog();
    let release = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const a = log.append([artifact(1)], { receipts: 'receipt', check: slow });
    const b = log.append([artifact(2)], { receipts: 'receipt', check: Promise.reject(new StamplogError('INVALID_SIGNATURE', 'bad publisher signature')) });
    const c = log.append([artifact(3)], { receipts: 'receipt' });
    const refused = assert.rejects(b, (e) => isStamplogError(e, 'INVALID_SIGNATURE'));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(log.checkpoint.size, 0, 'nothing is sequenced while a check of the batch is running');
    release();
    await refused;
    const [ra, rc] = await Promise.all([a, c]);
    assert.equal(log.checkpoint.size, 2, 'the failed submission has no leaf');
    assert.deepEqual([JSON.parse(ra.body).index, JSON.parse(rc.body).index].sort(), [0, 1]);
    assert.equal((await log.search('filename', artifact(2).subject.filename, -1, 10)).length, 0);
  });
});

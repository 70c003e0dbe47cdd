import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTree } from '../../src/merkle/index.ts';
import { ed25519NoteSigner, generateSignerKey, parseCheckpoint, parseNote, signCheckpoint } from '../../src/note/index.ts';
import { checkConsistency, verifyEvidence } from '../findings/index.ts';
import type { Evidence, SignedCheckpoint } from '../findings/index.ts';

const ORIGIN = 'example.test/log';
const key = generateSignerKey(ORIGIN, new Uint8Array(32).fill(7));
const other = generateSignerKey(ORIGIN, new Uint8Array(32).fill(8));
const signer = ed25519NoteSigner(key.signerKey);

function tree(prefix: string, n: number, common = 0): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < n; i++) t.append(new TextEncoder().encode(i < common ? `common ${i}` : `${prefix} ${i}`));
  return t;
}

function signed(t: MemoryTree, size = t.size, s = signer): SignedCheckpoint {
  const note = signCheckpoint({ origin: ORIGIN, size, rootHash: t.rootAt(size) }, [s]);
  return { note, checkpoint: parseCheckpoint(parseNote(note).text) };
}

const readerOf = (t: MemoryTree) => () => ({ readHashes: async (ix: readonly number[]) => t.readHashes(ix) });

async function evidenceFor(a: SignedCheckpoint, b: SignedCheckpoint, larger: MemoryTree): Promise<Evidence> {
  const r = await checkConsistency(a, b, readerOf(larger));
  assert.equal(r.consistent, false);
  if (r.consistent) throw new Error('unreachable');
  return JSON.parse(JSON.stringify(r.evidence)) as Evidence;
}

describe('checkConsistency', () => {
  it('accepts every prefix of one tree (no evidence)', async () => {
    const t = tree('a', 40);
    for (let m = 0; m <= 40; m += 3) {
      assert.deepEqual(await checkConsistency(signed(t, m), signed(t, 40), readerOf(t)), { consistent: true });
    }
  });

  it('finds forks of every size pair and the evidence verifies on its own', async () => {
    for (const [common, m, n] of [
      [0, 1, 1],
      [3, 4, 6],
      [4, 5, 9],
      [8, 13, 13],
      [16, 17, 300],
      [0, 300, 301],
    ]) {
      const a = tree('a', m, common);
      const b = tree('b', n, common);
      const ev = await evidenceFor(signed(a), signed(b), b);
      const v = verifyEvidence(ev, key.verifierKey);
      assert.equal(v.kind, m === n ? 'same-size' : 'not-extension', `common ${common} m ${m} n ${n}`);
      assert.equal(v.older.size, m);
      assert.equal(v.newer.size, n);
    }
  });

  it('evidence fails with another key, a flipped node hash, or nodes of a consistent pair', async () => {
    const a = tree('a', 5, 3);
    const b = tree('b', 9, 3);
    const ev = await evidenceFor(signed(a), signed(b), b);
    assert.throws(() => verifyEvidence(ev, other.verifierKey), { code: 'UNVERIFIED' });
    for (let i = 0; i < ev.nodes.length; i++) {
      const bad = structuredClone(ev);
      const h = Buffer.from(bad.nodes[i].hash, 'base64');
      h[0] ^= 1;
      bad.nodes[i].hash = h.toString('base64');
      assert.throws(() => verifyEvidence(bad, key.verifierKey), { code: 'PROOF_MISMATCH' }, `node ${i}`);
    }
    // The same node proofs, but against a checkpoint that b does extend: not evidence.
    const honest = structuredClone(ev);
    honest.checkpoints[0] = signed(b, 5).note;
    assert.throws(() => verifyEvidence(honest, key.verifierKey), { code: 'UNVERIFIED' });
    // A checkpoint signed by someone else for the same origin.
    const forged = structuredClone(ev);
    forged.checkpoints[1] = signed(b, 9, ed25519NoteSigner(other.signerKey)).note;
    assert.throws(() => verifyEvidence(forged, key.verifierKey), { code: 'UNVERIFIED' });
  });

  it('rejects malformed evidence', () => {
    const t = tree('a', 2);
    const one = signed(t);
    for (const ev of [null, [], { type: 'x' }, { type: 'stamplog-evidence/v1', origin: ORIGIN, checkpoints: [one.note] }, { type: 'stamplog-evidence/v1', origin: ORIGIN, checkpoints: [one.note, one.note], extra: 1 }]) {
      assert.throws(() => verifyEvidence(ev, key.verifierKey), { code: 'MALFORMED' });
    }
    // Same tree head twice is not evidence.
    assert.throws(() => verifyEvidence({ type: 'stamplog-evidence/v1', origin: ORIGIN, checkpoints: [one.note, one.note], nodes: [] }, key.verifierKey), { code: 'UNVERIFIED' });
  });
});

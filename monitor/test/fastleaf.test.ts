import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLeaf, encodeLeaf, makeEntry } from '../../src/leaf/index.ts';
import type { Entry, Submission } from '../../src/leaf/index.ts';
import { makeSubmissionValue } from '../../test/helpers/server.ts';
import { decodeLeafFast } from '../fastleaf.ts';

function outcome(f: (b: Uint8Array) => Entry, b: Uint8Array): Entry | string {
  try {
    return f(b);
  } catch (e) {
    return `error ${(e as { code?: string }).code}`;
  }
}

function variants(): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < 12; i++) {
    const base = makeSubmissionValue(i, i % 2 === 0 ? { seed: new Uint8Array(32).fill(i + 1) } : {});
    const s: { -readonly [K in keyof Submission]: Submission[K] } = { ...base };
    if (i % 3 === 0) s.claims = { uploadedAt: 1_600_000_000_000 + i };
    if (i % 4 === 1) s.claims = { backfill: true };
    if (i % 5 === 2 && s.sig !== undefined) {
      s.kind = 'vetting';
      s.verdict = 'reviewed';
    }
    out.push(makeEntry(s, 1_717_000_000_000 + i * 977));
  }
  return out;
}

describe('decodeLeafFast', () => {
  it('agrees with decodeLeaf on valid leaves and on every single-byte mutation and truncation of them', () => {
    let checked = 0;
    for (const e of variants()) {
      const leaf = encodeLeaf(e);
      assert.deepEqual(decodeLeafFast(leaf), decodeLeaf(leaf));
      for (let i = 0; i < leaf.length; i++) {
        for (const delta of [1, 0x20, 0x80, 0xff]) {
          const m = leaf.slice();
          m[i] = (m[i] + delta) & 0xff;
          assert.deepEqual(outcome(decodeLeafFast, m), outcome(decodeLeaf, m), `byte ${i} + ${delta}`);
          checked++;
        }
        assert.deepEqual(outcome(decodeLeafFast, leaf.subarray(0, i)), outcome(decodeLeaf, leaf.subarray(0, i)), `truncated to ${i}`);
      }
      assert.deepEqual(outcome(decodeLeafFast, new Uint8Array([...leaf, 0])), outcome(decodeLeaf, new Uint8Array([...leaf, 0])));
    }
    assert.ok(checked > 1000);
  });
});

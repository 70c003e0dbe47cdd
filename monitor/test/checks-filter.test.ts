import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { encodeLeaf, makeEntry, signStatement } from './leafkit.ts';
import {
  ContentChecker,
  decodeStrict,
  decodeFilenameRecord,
  encodeFilenameRecord,
  NameFilter,
} from '../checks/index.ts';
import type { CheckLookup, FilenameRecord, ProjectRecord } from '../checks/index.ts';
import type { Alert } from '../findings/index.ts';
import type { Submission } from '../../src/leaf/index.ts';

const T0 = 1_717_000_000_000;

/**
 * Leaf bytes for a compact description: filename f (ASCII, or with an é spelled in NFC, n = false, or in NFD,
 * n = true), content c, optional signer seed s; `bad` for garbage.
 */
type Spec = { f: number; c: number; s: number | undefined; bad: boolean; n?: boolean | undefined };

function filenameOf(x: Spec): string {
  if (x.n === undefined) return `file-${x.f}.whl`;
  return x.n ? `file-${x.f}-e\u0301.whl` : `file-${x.f}-\u00e9.whl`;
}

function leafOf(i: number, x: Spec): Uint8Array {
  if (x.bad) return Uint8Array.from([0xa4, i & 255, 0xff]);
  const sub: { -readonly [K in keyof Submission]: Submission[K] } = {
    kind: 'artifact',
    subject: { project: `p${x.f % 3}`, version: '1', filename: filenameOf(x), sha256: createHash('sha256').update(`c${x.c}`).digest(), size: 1 },
  };
  if (x.s !== undefined) sub.sig = signStatement(new Uint8Array(32).fill(x.s + 1), sub);
  return encodeLeaf(makeEntry(sub, T0 + i));
}

/** Runs the checker over `leaves` in chunks of `chunk`, with or without a filter, persisting changes to memory as the follower does. */
async function run(leaves: Uint8Array[], chunk: number, withFilter: boolean): Promise<Alert[]> {
  const files = new Map<string, FilenameRecord>();
  const projects = new Map<string, ProjectRecord>();
  let reads = 0;
  const lookup: CheckLookup = {
    filenames: async (names) => ((reads += names.length), names.map((n) => files.get(n))),
    projects: async (names) => names.map((n) => projects.get(n)),
  };
  const c = new ContentChecker('o', {}, { heads: [] }, withFilter ? new NameFilter(leaves.length) : undefined);
  const alerts: Alert[] = [];
  for (let at = 0; at < leaves.length; at += chunk) {
    // A bundle at a time within the chunk, persisting as it goes (drainDirty), as the follower does.
    for (let b = at; b < Math.min(at + chunk, leaves.length); b += 2) {
      const decoded = leaves.slice(b, Math.min(b + 2, at + chunk, leaves.length)).map(decodeStrict);
      await c.prefetch(decoded, lookup);
      decoded.forEach((d, j) => c.checkInto(b + j, d, alerts));
      c.drainDirty(
        (n, v) => files.set(n, decodeFilenameRecord(v) as FilenameRecord),
        (n, r) => projects.set(n, r),
      );
    }
    c.takeChanges();
  }
  if (withFilter) assert.ok(reads <= leaves.length, 'reads only what the filter may have');
  return alerts.map((a) => ({ ...a, at: undefined }) as unknown as Alert);
}

describe('ContentChecker with a NameFilter', () => {
  it('property: finds exactly what it finds without one (substitutions across chunks, key changes, bad leaves)', async () => {
    const spec = fc.record({ f: fc.integer({ min: 0, max: 12 }), c: fc.integer({ min: 0, max: 2 }), s: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }), bad: fc.integer({ min: 0, max: 9 }).map((x) => x === 0), n: fc.option(fc.boolean(), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 9 }), async (specs, chunk) => {
        const leaves = specs.map((x, i) => leafOf(i, x));
        assert.deepEqual(await run(leaves, chunk, true), await run(leaves, chunk, false));
      }),
      { seed: 61, numRuns: 150 },
    );
  });

  it('a filename first logged in an earlier chunk, read back through the filter, is a substitution', async () => {
    const leaves = [leafOf(0, { f: 1, c: 0, s: undefined, bad: false }), leafOf(1, { f: 2, c: 0, s: undefined, bad: false }), leafOf(2, { f: 1, c: 1, s: undefined, bad: false })];
    const alerts = await run(leaves, 2, true);
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['substitution', [0, 2]]]);
  });

  it('a filename logged in NFC in an earlier chunk and in NFD later, read back through the filter, is a substitution', async () => {
    const leaves = [leafOf(0, { f: 1, c: 0, s: undefined, bad: false, n: false }), leafOf(1, { f: 2, c: 0, s: undefined, bad: false }), leafOf(2, { f: 1, c: 1, s: undefined, bad: false, n: true })];
    const alerts = await run(leaves, 2, true);
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['substitution', [0, 2]]]);
  });

  it('the stored form of a filename record round-trips and refuses anything else', () => {
    const r = { index: 42, sha256: 'ab'.repeat(32) };
    assert.deepEqual(decodeFilenameRecord(encodeFilenameRecord(r)), r);
    for (const bad of ['', '42', `042 ${'ab'.repeat(32)}`, `42 ${'AB'.repeat(32)}`, `42 ${'ab'.repeat(31)}`, `-1 ${'ab'.repeat(32)}`]) assert.equal(decodeFilenameRecord(bad), undefined, bad);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LIMITS, decodeLeaf, encodeLeaf, makeEntry } from '../../src/leaf/index.ts';
import type { Entry, Submission } from '../../src/leaf/index.ts';
import { makeSubmissionValue } from '../helpers/server.ts';
import { decodeLeafFast, decodeLeafStrict, factsOf, leafFactsAt } from '../../src/leaf/fastleaf.ts';
import type { LeafFacts } from '../../src/leaf/fastleaf.ts';

function outcome(f: (b: Uint8Array) => Entry, b: Uint8Array): Entry | string {
  try {
    return f(b);
  } catch (e) {
    return `error ${(e as { code?: string }).code}: ${(e as Error).message}`;
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

/** What the checks read of a leaf, comparable with deepEqual. */
function plain(f: LeafFacts): Record<string, unknown> {
  return { kind: f.kind, time: f.time, project: f.project, filename: f.filename, sha256: f.sha256, signer: f.signer, fileId: f.fileId, filenameKey: f.filenameKey, entry: f.entry() };
}

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * The fast path's contract on any bytes: decodeLeafFast gives exactly what the reference gives (entry or error),
 * and whenever the fast walk takes a leaf, the reference accepts it too, with the same facts.
 */
function agrees(b: Uint8Array): void {
  assert.deepEqual(outcome(decodeLeafFast, b), outcome(decodeLeafStrict, b));
  const fast = leafFactsAt(buf(b), 0, b.length);
  if (fast !== undefined) assert.deepEqual(plain(fast), plain(factsOf(decodeLeaf(b))));
}

// ──────────────────────────── generators ────────────────────────────

/** Characters a text field may hold: mostly printable ASCII, some other Unicode (no control characters). */
const char = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
const text = (maxBytes: number) =>
  fc
    .array(char, { minLength: 1, maxLength: maxBytes })
    .map((cs) => cs.join(''))
    .filter((s) => Buffer.byteLength(s) <= maxBytes);
const uint = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.constant(Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const verdict = fc.stringMatching(/^[a-z][a-z0-9-]{0,63}$/);

/** Arbitrary valid entries: every kind, optional field and limit of the schema. */
const entry: fc.Arbitrary<Entry> = fc
  .record({
    kind: fc.constantFrom('artifact', 'signature', 'vetting') as fc.Arbitrary<Entry['kind']>,
    project: text(LIMITS.projectBytes),
    version: text(LIMITS.versionBytes),
    filename: text(LIMITS.filenameBytes),
    sha256: bytes(32),
    size: uint,
    time: uint,
    uploadedAt: fc.option(fc.integer({ min: 0, max: LIMITS.maxUploadedAtMs }), { nil: undefined }),
    backfill: fc.boolean(),
    sig: fc.option(fc.record({ key: bytes(32), sig: bytes(64) }), { nil: undefined }),
    verdict,
  })
  .map((r) => {
    const s: { -readonly [K in keyof Submission]: Submission[K] } = {
      kind: r.kind,
      subject: { project: r.project, version: r.version, filename: r.filename, sha256: r.sha256, size: r.size },
    };
    if (r.uploadedAt !== undefined || r.backfill) s.claims = r.backfill ? (r.uploadedAt === undefined ? { backfill: true } : { uploadedAt: r.uploadedAt, backfill: true }) : { uploadedAt: r.uploadedAt };
    const sig = r.sig ?? (r.kind === 'artifact' ? undefined : { key: r.sig ?? new Uint8Array(32).fill(7), sig: new Uint8Array(64).fill(9) });
    if (sig !== undefined) s.sig = { alg: 'ed25519', key: sig.key, sig: sig.sig };
    if (r.kind === 'vetting') s.verdict = r.verdict;
    return makeEntry(s, r.time);
  });

const isAscii = (e: Entry) => [e.subject.project, e.subject.version, e.subject.filename].every((t) => /^[\x20-\x7e]*$/.test(t));

/** One edit of a byte string: change, insert or delete a byte, cut, or append. */
const edit = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ op: fc.constant('append' as const), at: fc.constant(0), value: fc.integer({ min: 0, max: 255 }) }),
);
function apply(b: Uint8Array, e: { op: string; at: number; value: number }): Uint8Array {
  const a = [...b];
  const i = b.length === 0 ? 0 : e.at % b.length;
  if (e.op === 'set' && a.length > 0) a[i] = e.value;
  else if (e.op === 'insert') a.splice(i, 0, e.value);
  else if (e.op === 'delete') a.splice(i, 1);
  else if (e.op === 'cut') a.length = i;
  else if (e.op === 'append') a.push(e.value);
  return Uint8Array.from(a);
}

// ──────────────────────────── tests ────────────────────────────

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
          agrees(m);
          checked++;
        }
        agrees(leaf.subarray(0, i));
      }
      agrees(new Uint8Array([...leaf, 0]));
    }
    assert.ok(checked > 1000);
  });

  it('property: on arbitrary valid entries it gives decodeLeaf\'s entry, and takes every ASCII one on the fast path', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const leaf = encodeLeaf(e);
        assert.deepEqual(decodeLeafFast(leaf), decodeLeaf(leaf));
        agrees(leaf);
        if (isAscii(e)) {
          const facts = leafFactsAt(buf(leaf), 0, leaf.length);
          assert.ok(facts !== undefined, 'a canonical ASCII leaf is on the fast path');
          assert.deepEqual(plain(facts), plain(factsOf(e)));
        }
      }),
      { seed: 41, numRuns: 500 },
    );
  });

  it('property: on edited leaves (changed, inserted, deleted, cut, appended bytes) it accepts nothing the reference refuses', () => {
    fc.assert(
      fc.property(entry, fc.array(edit, { minLength: 1, maxLength: 3 }), (e, edits) => {
        let b: Uint8Array = encodeLeaf(e);
        for (const x of edits) b = apply(b, x);
        agrees(b);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('property: on random bytes, including CBOR-map-like ones, it agrees with the reference', () => {
    const mapLike = fc.tuple(fc.integer({ min: 0xa4, max: 0xa7 }), fc.uint8Array({ maxLength: 300 })).map(([h, rest]) => Uint8Array.from([h, 0x61, 0x76, 0x01, ...rest]));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mapLike), (b) => agrees(b)), { seed: 43, numRuns: 2000 });
  });

  it('reads leaves in place inside a larger buffer (an entry bundle)', () => {
    for (const e of variants()) {
      const leaf = encodeLeaf(e);
      const big = Buffer.concat([Buffer.from([1, 2, 3]), leaf, Buffer.from([0xa4, 0])]);
      const facts = leafFactsAt(big, 3, 3 + leaf.length);
      assert.ok(facts !== undefined);
      assert.deepEqual(plain(facts), plain(factsOf(decodeLeaf(leaf))));
      assert.equal(leafFactsAt(big, 3, 4 + leaf.length), undefined, 'one byte more is not a leaf');
    }
  });
});

describe('non-canonical and undecodable leaves', () => {
  const good = encodeLeaf(makeEntry(makeSubmissionValue(3), 5)); // time 5: the one-byte head 0x05
  const at = (needle: number[]) => Buffer.from(good).indexOf(Buffer.from(needle));
  const time = at([0x64, 0x74, 0x69, 0x6d, 0x65]) + 5;
  const cases: [string, Uint8Array][] = [
    ['a non-minimal integer head (1 byte)', Uint8Array.from([...good.subarray(0, time), 0x18, 0x05, ...good.subarray(time + 1)])],
    ['a non-minimal integer head (2 bytes)', Uint8Array.from([...good.subarray(0, time), 0x19, 0, 0x05, ...good.subarray(time + 1)])],
    ['a non-minimal integer head (4 bytes)', Uint8Array.from([...good.subarray(0, time), 0x1a, 0, 0, 0, 0x05, ...good.subarray(time + 1)])],
    ['a non-minimal integer head (8 bytes)', Uint8Array.from([...good.subarray(0, time), 0x1b, 0, 0, 0, 0, 0, 0, 0, 0x05, ...good.subarray(time + 1)])],
    ['an integer above 2^53 - 1', Uint8Array.from([...good.subarray(0, time), 0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0, ...good.subarray(time + 1)])],
    ['an indefinite-length map', Uint8Array.from([0xbf, ...good.subarray(1), 0xff])],
    ['a trailing byte', Uint8Array.from([...good, 0x00])],
    ['version 2', Uint8Array.from([...good.subarray(0, 3), 0x02, ...good.subarray(4)])],
    ['an empty claims map', encodeWith(good, [0x66, ...Buffer.from('claims'), 0xa0])],
    ['claims.backfill false', encodeWith(good, [0x66, ...Buffer.from('claims'), 0xa1, 0x68, ...Buffer.from('backfill'), 0xf4])],
    ['a signature entry without its sig', withoutSig(encodeLeaf(signed('signature')))],
    ['a vetting entry without its sig', withoutSig(encodeLeaf(signed('vetting')))],
    ['a vetting entry without its verdict', withoutVerdict(encodeLeaf(signed('vetting')))],
    ['an artifact with a verdict', withVerdict(good)],
    ['a verdict that is not a lowercase word', withVerdict(withoutVerdict(encodeLeaf(signed('vetting'))), 'Reviewed')],
    // uploadedAt = MAX_RFC3339_MS + 1
    ['claims.uploadedAt beyond year 9999', encodeWith(good, [0x66, ...Buffer.from('claims'), 0xa1, 0x6a, ...Buffer.from('uploadedAt'), 0x1b, 0, 0, 0xe6, 0x77, 0xd2, 0x1f, 0xdc, 0x00])],
    ['not CBOR at all', Uint8Array.from([0xff, 0x00])],
    ['nothing', new Uint8Array(0)],
  ];
  for (const [what, leaf] of cases) {
    it(`${what}: refused by both paths`, () => {
      assert.match(String(outcome(decodeLeafStrict, leaf)), /^error /);
      agrees(leaf);
      assert.equal(leafFactsAt(buf(leaf), 0, leaf.length), undefined);
    });
  }
});

function signed(kind: 'signature' | 'vetting'): Entry {
  const s = makeSubmissionValue(4, { seed: new Uint8Array(32).fill(4) });
  return makeEntry({ ...s, kind, ...(kind === 'vetting' ? { verdict: 'reviewed' } : {}) }, 5);
}

/** `leaf` without its "sig" field (the first after "v": 125 bytes) and with the map count one lower. */
function withoutSig(leaf: Uint8Array): Uint8Array {
  assert.deepEqual([...leaf.subarray(4, 8)], [0x63, 0x73, 0x69, 0x67]);
  return Uint8Array.from([leaf[0] - 1, ...leaf.subarray(1, 4), ...leaf.subarray(4 + 125)]);
}

/** `leaf` (ending with its "verdict" field) without it. */
function withoutVerdict(leaf: Uint8Array): Uint8Array {
  const v = Buffer.from(leaf).lastIndexOf(Buffer.from([0x67, ...Buffer.from('verdict')]));
  return Uint8Array.from([leaf[0] - 1, ...leaf.subarray(1, v)]);
}

/** `leaf` with a "verdict" field appended (it sorts last). */
function withVerdict(leaf: Uint8Array, verdict = 'reviewed'): Uint8Array {
  return Uint8Array.from([leaf[0] + 1, ...leaf.subarray(1), 0x67, ...Buffer.from('verdict'), 0x60 + verdict.length, ...Buffer.from(verdict)]);
}

/** `good` (a map of 4 fields) with `field` (a key and value, sorting after "time") added before "subject". */
function encodeWith(good: Uint8Array, field: number[]): Uint8Array {
  const subject = Buffer.from(good).indexOf(Buffer.from([0x67, ...Buffer.from('subject')]));
  return Uint8Array.from([good[0] + 1, ...good.subarray(1, subject), ...field, ...good.subarray(subject)]);
}

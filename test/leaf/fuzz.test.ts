// Hostile input: random and mutated bytes into decodeLeaf, random and mutated JSON into parseSubmission.
// The only exception allowed out is StamplogError; whatever is accepted must be exactly canonical.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeLeaf, encodeLeaf, parseSubmission, submissionToJSON } from '../../src/leaf/index.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { entryArb, submissionArb } from './arbitraries.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function onlyStamplogErrors(f: () => void, what: () => string): void {
  try {
    f();
  } catch (e) {
    if (!isStamplogError(e)) assert.fail(`${what()}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

/** Replaces the value at a random path of a JSON tree with `replacement`. */
function mutateAt(tree: unknown, pick: number, replacement: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...path, k]);
  };
  walk(tree, []);
  const path = paths[pick % paths.length];
  if (path.length === 0) return replacement;
  const copy = structuredClone(tree) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]] = replacement;
  return copy;
}

describe('decodeLeaf on hostile bytes', () => {
  it('throws only StamplogError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        onlyStamplogErrors(() => decodeLeaf(b), () => hex(b));
      }),
      { seed: 101, numRuns: 3000 },
    );
  });

  it('throws only StamplogError on random bytes behind a plausible map head', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0xa0, max: 0xbf }), fc.uint8Array({ maxLength: 200 }), (head, rest) => {
        const b = new Uint8Array([head, 0x61, 0x76, 0x01, ...rest]);
        onlyStamplogErrors(() => decodeLeaf(b), () => hex(b));
      }),
      { seed: 102, numRuns: 2000 },
    );
  });

  it('on mutated valid leaves, either rejects or accepts something that re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(entryArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: -3, max: 3 }), (e, edits, cut) => {
        const leaf = encodeLeaf(e);
        let b = leaf.slice();
        for (const [at, byte] of edits) b[at % b.length] = byte;
        if (cut < 0) b = b.subarray(0, b.length + cut);
        else if (cut > 0) b = new Uint8Array([...b, ...new Uint8Array(cut)]);
        let decoded;
        try {
          decoded = decodeLeaf(b);
        } catch (err) {
          assert.ok(isStamplogError(err), `${hex(b)}: ${String(err)}`);
          return;
        }
        assert.equal(hex(encodeLeaf(decoded)), hex(b), 'an accepted leaf must be canonical');
      }),
      { seed: 103, numRuns: 1500 },
    );
  });
});

describe('parseSubmission on hostile JSON', () => {
  it('throws only StamplogError (MALFORMED) on random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (j) => {
        assert.throws(() => parseSubmission(j), (e) => isStamplogError(e, 'MALFORMED'));
      }),
      { seed: 201, numRuns: 1000 },
    );
  });

  it('throws only StamplogError on arbitrary JS values (anything)', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (j) => {
        onlyStamplogErrors(() => parseSubmission(j), () => String(j));
      }),
      { seed: 202, numRuns: 1000 },
    );
  });

  it('on valid submissions with one member replaced by random JSON, accepts or names a field', () => {
    fc.assert(
      fc.property(submissionArb, fc.nat(), fc.jsonValue({ maxDepth: 2 }), (s, pick, replacement) => {
        const json = mutateAt(JSON.parse(JSON.stringify(submissionToJSON(s))), pick, replacement);
        try {
          const parsed = parseSubmission(json);
          // Whatever is accepted is a valid submission whose wire form parses to the same value.
          assert.deepStrictEqual(parseSubmission(JSON.parse(JSON.stringify(submissionToJSON(parsed)))), parsed);
        } catch (e) {
          assert.ok(isStamplogError(e, 'MALFORMED'), String(e));
          const problems = e.details?.problems as { path: string; message: string }[];
          assert.ok(problems.length > 0);
          for (const p of problems) {
            assert.ok(p.path.length > 0 && p.path.length < 150, p.path);
            assert.ok(e.message.includes(`${p.path}: ${p.message}`));
          }
        }
      }),
      { seed: 203, numRuns: 1500 },
    );
  });
});

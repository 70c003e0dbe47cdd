/**
 * Hostile-input properties of every parser in src/note/ (only StamplogError may escape, and nothing
 * forged may verify) and format∘parse identities. Seeded, so every run checks the same inputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  base64Decode,
  cosignatureTimestamp,
  cosignatureVerifier,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  formatNote,
  formatTlogProof,
  generateSignerKey,
  noteVerifier,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseDecimal,
  parseNote,
  parsePolicy,
  parseSignerKey,
  parseTlogProof,
  parseVerifierKey,
  signNote,
  verifyCheckpointWithPolicy,
} from '../../src/note/index.ts';
import { onlyStamplogErrors, seed, spec, sumdb, witnessNetwork } from './fixtures.ts';

const RUNS = { seed: 20240611, numRuns: 400 };
const CONTROL = /\p{Cc}/u;

// Characters that matter to the formats, so random strings hit the interesting branches.
const SPECIAL = ['\n', '\n', '\u2014', ' ', '+', '=', '/', 'A', 'z', '0', '1', '9', '#', '\t', '\r', '\u0000', '\u00a0', '\ud800', 'é', 'index ', 'extra ', 'c2sp.org/tlog-proof@v1\n', 'log ', 'witness ', 'group ', 'quorum ', 'none', 'all', 'any'];
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: codeUnit, maxLength: 120 }),
  fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength: 80 }),
);

type Edit = { at: number; del: number; ins: string };
const edits = fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), ins: fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength: 2 }) }), {
  minLength: 1,
  maxLength: 4,
});
function applyEdits(s: string, es: Edit[]): string {
  let out = s;
  for (const e of es) {
    const at = e.at % (out.length + 1);
    out = out.slice(0, at) + e.ins + out.slice(at + e.del);
  }
  return out;
}
const mutationOf = (valid: string) => edits.map((es) => applyEdits(valid, es));

const RECEIPT = formatTlogProof({ extra: Uint8Array.of(1, 2, 3), index: 2, proof: [new Uint8Array(32).fill(5)], note: sumdb.checkpoint });
const cosigner = generateSignerKey('fuzz.example/w', seed(50), 0x04);
const POLICY = `log ${witnessNetwork.logVkey} https://log.example\nwitness R ${witnessNetwork.remoraVkey}\nwitness F ${cosigner.verifierKey}\ngroup G any R F\nquorum G\n`;
const verifiers = [ed25519NoteVerifier(sumdb.vkey), ed25519NoteVerifier(spec.vkey), ed25519NoteVerifier(witnessNetwork.logVkey), cosignatureVerifier(witnessNetwork.remoraVkey)];
const policy = parsePolicy(POLICY);

const everyParser: [string, (s: string) => unknown][] = [
  ['parseNote', (s) => parseNote(s)],
  ['openNote', (s) => openNote(s, verifiers)],
  ['parseCheckpoint', (s) => parseCheckpoint(s)],
  ['openCheckpoint', (s) => openCheckpoint(s, verifiers[0])],
  ['parseTlogProof', (s) => parseTlogProof(s)],
  ['parsePolicy', (s) => parsePolicy(s)],
  ['verifyCheckpointWithPolicy', (s) => verifyCheckpointWithPolicy(policy, s)],
  ['parseVerifierKey', (s) => parseVerifierKey(s)],
  ['parseSignerKey', (s) => parseSignerKey(s)],
  ['noteVerifier', (s) => noteVerifier(s)],
  ['base64Decode', (s) => base64Decode(s)],
  ['parseDecimal', (s) => parseDecimal(s, 'n')],
];

describe('parsers under hostile input', () => {
  for (const [name, parse] of everyParser) {
    it(`${name} throws only StamplogError on random strings`, () => {
      fc.assert(fc.property(anyString, (s) => onlyStamplogErrors(() => parse(s))), RUNS);
    });
  }

  const validInputs: [string, string][] = [
    ['a signed note', spec.note],
    ['a cosigned checkpoint', witnessNetwork.note],
    ['a tlog-proof', RECEIPT],
    ['a policy', POLICY],
    ['a verifier key', sumdb.vkey],
    ['a signer key', sumdb.skey],
  ];
  for (const [what, valid] of validInputs) {
    it(`every parser throws only StamplogError on mutations of ${what}`, () => {
      fc.assert(
        fc.property(mutationOf(valid), (s) => {
          for (const [, parse] of everyParser) onlyStamplogErrors(() => parse(s));
        }),
        { ...RUNS, numRuns: 150 },
      );
    });
  }

  it('byte-level parsers throw only StamplogError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        onlyStamplogErrors(() => openNote(b, verifiers));
        onlyStamplogErrors(() => parseTlogProof(b));
        onlyStamplogErrors(() => parsePolicy(b));
        onlyStamplogErrors(() => cosignatureTimestamp(b));
      }),
      RUNS,
    );
  });
});

describe('openNote under forgery attempts', () => {
  it('never returns another text than the one signed, however the note is mutated', () => {
    fc.assert(
      fc.property(mutationOf(sumdb.checkpoint), (s) => {
        let text: string | undefined;
        onlyStamplogErrors(() => {
          text = openNote(s, [verifiers[0]]).text;
        });
        if (text !== undefined) assert.equal(text, sumdb.json.body);
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });

  it('never lets a mutated cosigned checkpoint satisfy a policy with another text', () => {
    fc.assert(
      fc.property(mutationOf(witnessNetwork.note), (s) => {
        let text: string | undefined;
        onlyStamplogErrors(() => {
          text = verifyCheckpointWithPolicy(policy, s).note.text;
        });
        if (text !== undefined) assert.equal(text, witnessNetwork.text);
      }),
      { ...RUNS, numRuns: 600 },
    );
  });
});

// Origins and extension lines: any well-formed text without control characters.
const line = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((s) => !CONTROL.test(s));
const checkpointFields = fc.record({
  origin: line,
  size: fc.oneof(fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER), fc.nat(), fc.maxSafeNat()),
  rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  extensions: fc.array(line, { maxLength: 3 }),
}).map((r) => ({ ...r })); // fc.record builds null-prototype objects; deepEqual compares prototypes

describe('formatCheckpoint ∘ parseCheckpoint', () => {
  it('is the identity on texts and parse inverts format', () => {
    fc.assert(
      fc.property(checkpointFields, (cp) => {
        const text = formatCheckpoint(cp);
        const back = parseCheckpoint(text);
        assert.deepEqual(back, cp);
        assert.equal(formatCheckpoint(back), text);
      }),
      RUNS,
    );
  });
});

describe('formatTlogProof ∘ parseTlogProof', () => {
  const signer = ed25519NoteSigner(generateSignerKey('fuzz.example/log', seed(51)).signerKey);
  it('is the identity on texts and parse inverts format', () => {
    fc.assert(
      fc.property(
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 300 }), { nil: undefined }),
        fc.maxSafeNat(),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 63 }),
        checkpointFields,
        (extra, index, proof, cp) => {
          const note = signNote(formatCheckpoint(cp), [signer]);
          const p = extra === undefined ? { index, proof, note } : { extra, index, proof, note };
          const text = formatTlogProof(p);
          const back = parseTlogProof(text);
          assert.deepEqual({ ...back, checkpoint: undefined }, { ...p, checkpoint: undefined });
          assert.deepEqual(back.checkpoint, parseCheckpoint(formatCheckpoint(cp)));
          assert.equal(formatTlogProof(back), text);
        },
      ),
      { ...RUNS, numRuns: 200 },
    );
  });
});

describe('formatNote ∘ parseNote', () => {
  it('is the identity on signed notes with arbitrary texts and signature lines', () => {
    const text = fc.array(fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !CONTROL.test(s)), { minLength: 1, maxLength: 5 }).map((ls) => ls.join('\n') + '\n');
    const sig = fc.record({
      name: fc.string({ unit: 'binary', minLength: 1, maxLength: 15 }).filter((s) => !/[+\p{White_Space}\p{Cc}]/u.test(s)),
      keyId: fc.nat({ max: 0xffffffff }),
      signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
    }).map((r) => ({ ...r }));
    fc.assert(
      fc.property(text, fc.array(sig, { minLength: 1, maxLength: 5 }), (t, sigs) => {
        const note = formatNote(t, sigs);
        const parsed = parseNote(note);
        assert.equal(parsed.text, t);
        assert.deepEqual(parsed.signatures, sigs);
        assert.equal(formatNote(parsed.text, parsed.signatures), note);
      }),
      RUNS,
    );
  });
});

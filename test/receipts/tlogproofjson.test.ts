// The tlog-proof JSON writer writes formatTlogProof's text, escaped as the inside of a JSON string, byte for byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_TLOG_PROOF_EXTRA_BYTES, MAX_TLOG_PROOF_HASHES, formatTlogProof } from '../../src/note/index.ts';
import { TlogProofJSONWriter } from '../../src/receipts/tlogproofjson.ts';
import { SUMDB_RECEIPT as RECEIPT, assertCode, fromHex, sumdb, witnessNetwork } from '../note/fixtures.ts';

const leaf = new TextEncoder().encode(sumdb.inclusion.leaf);


describe('TlogProofJSONWriter', () => {
  const writer = new TlogProofJSONWriter();
  const parseInside = (inside: string) => JSON.parse(`"${inside}"`) as string;
  const notes = [sumdb.checkpoint, witnessNetwork.note];

  it('writes formatTlogProof as the inside of an ASCII JSON string', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: MAX_TLOG_PROOF_HASHES }),
        fc.constantFrom(...notes),
        (extra, index, proof, note) => {
          const inside = writer.write(extra, index, proof.map(writer.line).join(''), proof.length, note);
          assert.match(inside, /^[\x20-\x7e]*$/);
          assert.equal(parseInside(inside), formatTlogProof({ extra, index, proof, note }));
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('writes the sumdb receipt byte for byte', () => {
    const proof = sumdb.inclusion.proof.map(fromHex);
    assert.equal(parseInside(writer.write(leaf, 2, proof.map(writer.line).join(''), proof.length, sumdb.checkpoint)), RECEIPT);
  });

  it('checks each note it is given, also after another note', () => {
    const lines = sumdb.inclusion.proof.map(fromHex).map(writer.line).join('');
    const n = sumdb.inclusion.proof.length;
    writer.write(leaf, 2, lines, n, sumdb.checkpoint);
    assertCode(() => writer.write(leaf, 2, lines, n, `${sumdb.checkpoint}x`), 'MALFORMED', 'a note that does not parse');
    assert.equal(JSON.parse(`"${writer.write(leaf, 2, lines, n, sumdb.checkpoint)}"`), RECEIPT);
  });

  it('refuses what formatTlogProof refuses', () => {
    const lines = sumdb.inclusion.proof.map(fromHex).map(writer.line).join('');
    const n = sumdb.inclusion.proof.length;
    const note = sumdb.checkpoint;
    assertCode(() => writer.write(leaf, -1, lines, n, note), 'MALFORMED', 'negative index');
    assertCode(() => writer.write(leaf, 2 ** 53, lines, n, note), 'MALFORMED', 'index 2^53');
    assertCode(() => writer.line(new Uint8Array(31)), 'MALFORMED', 'short hash');
    assertCode(() => writer.write(leaf, 2, writer.line(new Uint8Array(32)).repeat(64), 64, note), 'MALFORMED', '64 hashes');
    assertCode(() => writer.write(leaf, 2, lines, n, sumdb.json.body), 'MALFORMED', 'unsigned note');
    assertCode(() => writer.write(new Uint8Array(MAX_TLOG_PROOF_EXTRA_BYTES + 1), 2, lines, n, note), 'TOO_LARGE', 'big extra');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TLOG_PROOF_EXTRA_BYTES, MAX_TLOG_PROOF_HASHES, formatTlogProof, parseTlogProof } from '../../src/note/index.ts';
import { SUMDB_RECEIPT as RECEIPT, assertCode, fromHex, sumdb, toHex, witnessNetwork } from './fixtures.ts';

const b64 = (h: string) => Buffer.from(h, 'hex').toString('base64');
const leaf = new TextEncoder().encode(sumdb.inclusion.leaf);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// Sets an unused low bit of the last symbol of a 32-byte hash's base64 (44 characters, one '=').
const nonCanonical = (h: string) => h.slice(0, 42) + ALPHABET[ALPHABET.indexOf(h[42]) ^ 1] + '=';


describe('parseTlogProof', () => {
  it('parses a receipt for leaf 2 of the sumdb tree', () => {
    const p = parseTlogProof(RECEIPT);
    assert.deepEqual(p.extra, leaf);
    assert.equal(p.index, 2);
    assert.deepEqual(p.proof.map(toHex), sumdb.inclusion.proof);
    assert.equal(p.note, sumdb.checkpoint);
    assert.equal(p.checkpoint.size, 300);
    assert.equal(formatTlogProof(p), RECEIPT);
  });

  it('accepts a proof without extra data or hashes, with a cosigned checkpoint, as bytes', () => {
    const text = `c2sp.org/tlog-proof@v1\nindex 0\n\n${witnessNetwork.note}`;
    const p = parseTlogProof(new TextEncoder().encode(text));
    assert.equal(p.extra, undefined);
    assert.equal(p.proof.length, 0);
    assert.equal(p.checkpoint.size, 1432088532);
    assert.equal(formatTlogProof(p), text);
  });

  it('accepts 63 proof lines and rejects 64', () => {
    const line = b64(sumdb.inclusion.proof[0]) + '\n';
    const make = (n: number) => `c2sp.org/tlog-proof@v1\nindex 1\n${line.repeat(n)}\n${sumdb.checkpoint}`;
    assert.equal(parseTlogProof(make(MAX_TLOG_PROOF_HASHES)).proof.length, 63);
    assertCode(() => parseTlogProof(make(MAX_TLOG_PROOF_HASHES + 1)), 'MALFORMED');
  });

  it('rejects every entry of the strictness list', () => {
    const h = b64(sumdb.inclusion.proof[0]);
    const head = (lines: string) => `${lines}\n${sumdb.checkpoint}`;
    const cases: [string, string][] = [
      ['empty', ''],
      ['wrong version', RECEIPT.replace('tlog-proof@v1', 'tlog-proof@v2')],
      ['header with trailing space', RECEIPT.replace('@v1\n', '@v1 \n')],
      ['CRLF after the header', RECEIPT.replace('@v1\n', '@v1\r\n')],
      ['empty extra', head('c2sp.org/tlog-proof@v1\nextra \nindex 2\n')],
      ['non-canonical extra', head('c2sp.org/tlog-proof@v1\nextra Zh==\nindex 2\n')],
      ['extra after index', head('c2sp.org/tlog-proof@v1\nindex 2\nextra Zg==\n')],
      ['missing index', head('c2sp.org/tlog-proof@v1\n')],
      ['index with leading zero', head('c2sp.org/tlog-proof@v1\nindex 02\n')],
      ['negative index', head('c2sp.org/tlog-proof@v1\nindex -2\n')],
      ['index with two spaces', head('c2sp.org/tlog-proof@v1\nindex  2\n')],
      ['index 2^53', head('c2sp.org/tlog-proof@v1\nindex 9007199254740992\n')],
      ['uppercase keyword', head('c2sp.org/tlog-proof@v1\nINDEX 2\n')],
      ['31-byte hash', head(`c2sp.org/tlog-proof@v1\nindex 2\n${Buffer.alloc(31).toString('base64')}\n`)],
      ['33-byte hash', head(`c2sp.org/tlog-proof@v1\nindex 2\n${Buffer.alloc(33).toString('base64')}\n`)],
      ['hash in hex', head(`c2sp.org/tlog-proof@v1\nindex 2\n${sumdb.inclusion.proof[0]}\n`)],
      ['non-canonical hash', head(`c2sp.org/tlog-proof@v1\nindex 2\n${nonCanonical(h)}\n`)],
      ['no empty line', `c2sp.org/tlog-proof@v1\nindex 2\n${h}\n${sumdb.checkpoint}`],
      ['no checkpoint', 'c2sp.org/tlog-proof@v1\nindex 2\n\n'],
      ['unsigned checkpoint', `c2sp.org/tlog-proof@v1\nindex 2\n\n${sumdb.json.body}`],
      ['note that is not a checkpoint', `c2sp.org/tlog-proof@v1\nindex 2\n\nhello\n\n${sumdb.checkpoint.split('\n\n')[1]}`],
      ['garbage after the note', RECEIPT + 'x'],
      ['invalid UTF-8', 'c2sp.org/tlog-proof@v1\nindex 2\n\n\udc00'],
    ];
    for (const [what, text] of cases) {
      assert.throws(() => parseTlogProof(text), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'MALFORMED', what);
    }
  });

  it('rejects extra data over the cap', () => {
    const big = Buffer.alloc(MAX_TLOG_PROOF_EXTRA_BYTES + 1).toString('base64');
    assertCode(() => parseTlogProof(`c2sp.org/tlog-proof@v1\nextra ${big}\nindex 0\n\n${sumdb.checkpoint}`), 'TOO_LARGE');
  });
});

describe('formatTlogProof', () => {
  it('writes the receipt byte for byte and omits empty extra data', () => {
    const proof = sumdb.inclusion.proof.map(fromHex);
    assert.equal(formatTlogProof({ extra: leaf, index: 2, proof, note: sumdb.checkpoint }), RECEIPT);
    const noExtra = formatTlogProof({ extra: new Uint8Array(0), index: 2, proof, note: sumdb.checkpoint });
    assert.ok(!noExtra.includes('extra'));
    assert.equal(parseTlogProof(noExtra).extra, undefined);
  });

  it('rejects fields that would not parse back', () => {
    const proof = sumdb.inclusion.proof.map(fromHex);
    const note = sumdb.checkpoint;
    assertCode(() => formatTlogProof({ index: -1, proof, note }), 'MALFORMED', 'negative index');
    assertCode(() => formatTlogProof({ index: 2 ** 53, proof, note }), 'MALFORMED', 'index 2^53');
    assertCode(() => formatTlogProof({ index: 2, proof: [new Uint8Array(31)], note }), 'MALFORMED', 'short hash');
    assertCode(() => formatTlogProof({ index: 2, proof: Array.from({ length: 64 }, () => new Uint8Array(32)), note }), 'MALFORMED', '64 hashes');
    assertCode(() => formatTlogProof({ index: 2, proof, note: sumdb.json.body }), 'MALFORMED', 'unsigned note');
    assertCode(() => formatTlogProof({ extra: new Uint8Array(MAX_TLOG_PROOF_EXTRA_BYTES + 1), index: 2, proof, note }), 'TOO_LARGE', 'big extra');
  });
});

// Golden leaf vectors (test/vectors/leaves.json, made once by test/vectors/make-leaves.ts): recomputed
// with src/leaf, and cross-checked against readings that do not use src/leaf at all.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decode as cborxDecode } from 'cbor-x';
import { decodeLeaf, encodeLeaf, entryToJSON, makeEntry, parseSubmission, verifySubmissionSignature } from '../../src/leaf/index.ts';

interface WireSubmission {
  kind: string;
  subject: { project: string; version: string; filename: string; sha256: string; size: number };
  claims?: { uploadedAt?: string; backfill?: boolean };
  sig?: { alg: string; key: string; sig: string };
  verdict?: string;
}
interface Vector {
  desc: string;
  input: { submission: WireSubmission; time: number };
  cborHex: string;
  leafHashHex: string;
}

const vectors = JSON.parse(readFileSync(new URL('../vectors/leaves.json', import.meta.url), 'utf8')) as Vector[];

/** What the entry JSON must be, derived from the input with Date.parse and plain object edits only. */
function expectedJSON(v: Vector): Record<string, unknown> {
  const s = structuredClone(v.input.submission);
  const out: Record<string, unknown> = { v: 1, kind: s.kind, time: v.input.time, subject: s.subject };
  const claims: Record<string, unknown> = {};
  if (s.claims?.uploadedAt !== undefined) claims.uploadedAt = new Date(Date.parse(s.claims.uploadedAt)).toISOString();
  if (s.claims?.backfill === true) claims.backfill = true;
  if (Object.keys(claims).length > 0) out.claims = claims;
  if (s.sig !== undefined) out.sig = s.sig;
  if (s.verdict !== undefined) out.verdict = s.verdict;
  return out;
}

/** The encoded form of a text key (head byte 0x60 + length, for keys under 24 bytes). */
const encodedKey = (k: string) => Buffer.concat([Buffer.of(0x60 + Buffer.byteLength(k)), Buffer.from(k)]);
const deterministicOrder = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(encodedKey(a), encodedKey(b)));

const num = (x: unknown) => (typeof x === 'bigint' ? Number(x) : x);

describe('leaf vectors', () => {
  it('cover every kind, every optional field and every integer head width', () => {
    const all = vectors.map((v) => v.input.submission);
    assert.deepEqual(new Set(all.map((s) => s.kind)), new Set(['artifact', 'signature', 'vetting']));
    assert.ok(all.some((s) => s.claims?.uploadedAt !== undefined));
    assert.ok(all.some((s) => s.claims?.backfill === true));
    assert.ok(all.some((s) => s.kind === 'artifact' && s.sig !== undefined));
    assert.ok(all.some((s) => s.verdict !== undefined));
    assert.ok(all.some((s) => /\P{ASCII}/u.test(s.subject.filename)));
    const sizes = new Set(all.map((s) => s.subject.size));
    for (const n of [0, 2 ** 32, Number.MAX_SAFE_INTEGER]) assert.ok(sizes.has(n), `size ${n}`);
    assert.ok(vectors.some((v) => v.input.time >= 2 ** 32));
    assert.ok(vectors.length >= 20);
  });

  for (const v of vectors) {
    describe(v.desc, () => {
      const cbor = new Uint8Array(Buffer.from(v.cborHex, 'hex'));

      it('is reproduced by parseSubmission, makeEntry and encodeLeaf', () => {
        const leaf = encodeLeaf(makeEntry(parseSubmission(v.input.submission), v.input.time));
        assert.equal(Buffer.from(leaf).toString('hex'), v.cborHex);
      });

      it('has leafHashHex = SHA-256(0x00 || cbor)', () => {
        assert.equal(createHash('sha256').update(Buffer.of(0)).update(cbor).digest('hex'), v.leafHashHex);
      });

      it('decodes to the input (entryToJSON of decodeLeaf)', () => {
        assert.deepStrictEqual(JSON.parse(JSON.stringify(entryToJSON(decodeLeaf(cbor)))), expectedJSON(v));
      });

      it('reads the same, field by field, with cbor-x defaults, keys in deterministic order', () => {
        const d = cborxDecode(Buffer.from(cbor)) as Record<string, unknown>;
        const want = expectedJSON(v);
        assert.deepEqual(Object.keys(d), deterministicOrder(Object.keys(want)));
        assert.equal(d.v, 1);
        assert.equal(d.kind, want.kind);
        assert.equal(num(d.time), v.input.time);
        const subj = d.subject as Record<string, unknown>;
        const s = v.input.submission.subject;
        assert.deepEqual(Object.keys(subj), deterministicOrder(Object.keys(s)));
        assert.equal(subj.project, s.project);
        assert.equal(subj.version, s.version);
        assert.equal(subj.filename, s.filename);
        assert.equal(Buffer.from(subj.sha256 as Uint8Array).toString('hex'), s.sha256);
        assert.equal(num(subj.size), s.size);
        const claims = d.claims as Record<string, unknown> | undefined;
        const c = v.input.submission.claims;
        if (c?.uploadedAt !== undefined) assert.equal(num(claims?.uploadedAt), Date.parse(c.uploadedAt));
        else assert.equal(claims?.uploadedAt, undefined);
        assert.equal(claims?.backfill, c?.backfill === true ? true : undefined);
        const sig = d.sig as Record<string, unknown> | undefined;
        const ws = v.input.submission.sig;
        if (ws === undefined) assert.equal(sig, undefined);
        else {
          assert.equal(sig?.alg, 'ed25519');
          assert.equal(Buffer.from(sig?.key as Uint8Array).toString('base64'), ws.key);
          assert.equal(Buffer.from(sig?.sig as Uint8Array).toString('base64'), ws.sig);
        }
        assert.equal(d.verdict, v.input.submission.verdict);
      });

      it('starts with the map head and v = 1 (hand-decoded)', () => {
        const fields = Object.keys(expectedJSON(v)).length;
        assert.equal(cbor[0], 0xa0 + fields, 'map head: major type 5, count in the low bits');
        assert.deepEqual([...cbor.subarray(1, 4)], [0x61, 0x76, 0x01], '"v" then 1');
      });

      if (v.input.submission.sig !== undefined) {
        it('carries a signature that verifies', () => {
          assert.doesNotThrow(() => verifySubmissionSignature(decodeLeaf(cbor)));
        });
      }
    });
  }

  it('use the shortest integer and string heads (hand-decoded substrings)', () => {
    const find = (desc: string) => {
      const v = vectors.find((x) => x.desc.startsWith(desc));
      assert.ok(v, desc);
      return v.cborHex;
    };
    const size = '6473697a65'; // "size"
    const time = '6474696d65'; // "time"
    assert.ok(find('size 0').includes(size + '00'));
    assert.ok(find('size 23 and 24').includes(size + '17'));
    assert.ok(find('size 23 and 24').includes(time + '1818'));
    assert.ok(find('size 2^32 −').includes(size + '1affffffff'));
    assert.ok(find('size 2^32 (').includes(size + '1b0000000100000000'));
    assert.ok(find('size 2^53').includes(size + '1b001fffffffffffff'));
    assert.ok(find('time 0').includes(time + '00'));
    assert.ok(find('time 2^32').includes(time + '1b0000000100000000'));
    assert.ok(find('time 2^53').includes(time + '1b001fffffffffffff'));
    assert.ok(find('artifact, no').includes(time + '1b0000018fc52cd200'), '1717000000000 = 0x18fc52cd200');
    const lengths = find('text lengths');
    assert.ok(lengths.includes('6770726f6a656374' + '77' + '70'.repeat(23)), 'project: 23-byte text, head 77');
    assert.ok(lengths.includes('6776657273696f6e' + '7818' + '76'.repeat(24)), 'version: 24-byte text, head 78 18');
    assert.ok(lengths.includes('6866696c656e616d65' + '78ff' + '66'.repeat(255)), 'filename: 255-byte text, head 78 ff');
    assert.ok(find('artifact, no').includes('667368613235365820'), 'sha256: 32-byte string, head 58 20');
    // A signature map: {alg: "ed25519", key: h'…'(32), sig: h'…'(64)} right after v.
    assert.ok(find('artifact with a publisher').startsWith('a5617601' + '63736967' + 'a3' + '63616c67' + '67' + '6564323535313' + '9' + '636b6579' + '5820'));
  });
});

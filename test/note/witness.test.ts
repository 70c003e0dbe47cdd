import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_PROOF_LINES,
  TLOG_SIZE_CONTENT_TYPE,
  formatAddCheckpoint,
  formatTlogSize,
  isTlogSizeType,
  parseAddCheckpoint,
  parseTlogSize,
} from '../../src/note/index.ts';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

// The add-checkpoint example of C2SP tlog-witness (https://c2sp.org/tlog-witness).
const SPEC_NOTE = [
  'example.com/behind-the-sofa',
  '20852163',
  'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
  '',
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=',
  '',
].join('\n');
const SPEC_PROOF = ['PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=', 'KleKt7QoRBUOWkqiRY4Jm5Hyvx5sSdAfvc0wAn8WLDQ='];
const SPEC_BODY = `old 20852014\n${SPEC_PROOF.join('\n')}\n\n${SPEC_NOTE}`;

describe('parseAddCheckpoint', () => {
  it('parses the tlog-witness spec example: old size, proof hashes, note', () => {
    const r = parseAddCheckpoint(SPEC_BODY);
    assert.equal(r.oldSize, 20852014);
    assert.deepEqual(r.proof.map(b64), SPEC_PROOF);
    assert.equal(r.note, SPEC_NOTE);
  });

  it('formatAddCheckpoint writes the spec example byte for byte, and parse inverts it', () => {
    const r = parseAddCheckpoint(SPEC_BODY);
    assert.equal(formatAddCheckpoint(r), SPEC_BODY);
    assert.equal(formatAddCheckpoint({ oldSize: 0, proof: [], note: SPEC_NOTE }), `old 0\n\n${SPEC_NOTE}`);
  });

  it('property: parse(format(r)) = r for any old size and up to 63 proof hashes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: MAX_PROOF_LINES }), (oldSize, proof) => {
        const r = parseAddCheckpoint(formatAddCheckpoint({ oldSize, proof, note: SPEC_NOTE }));
        assert.equal(r.oldSize, oldSize);
        assert.deepEqual(r.proof.map(b64), proof.map(b64));
        assert.equal(r.note, SPEC_NOTE);
      }),
      { seed: 61, numRuns: 200 },
    );
  });

  const bad: [string, string, RegExp][] = [
    ['no newline at all', 'old 5', /no old size line/],
    ['a non-canonical old size', `old 05\n\n${SPEC_NOTE}`, /malformed old size line/],
    ['a signed old size', `old +5\n\n${SPEC_NOTE}`, /malformed old size line/],
    ['an old size beyond 2^53 - 1', `old 9007199254740992\n\n${SPEC_NOTE}`, /malformed old size line/],
    ['another first word', `new 5\n\n${SPEC_NOTE}`, /malformed old size line/],
    ['a proof line that is not 32 bytes', `old 5\nAAAA\n\n${SPEC_NOTE}`, /proof line 1 is not base64 of 32 bytes/],
    ['64 proof lines', `old 5\n${`${SPEC_PROOF[0]}\n`.repeat(64)}\n${SPEC_NOTE}`, /more than 63 proof lines/],
    ['no blank line', `old 5\n${SPEC_PROOF[0]}`, /no empty line before the checkpoint/],
    ['no checkpoint', 'old 5\n\n', /no checkpoint/],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what} (MALFORMED)`, () => {
      assert.throws(() => parseAddCheckpoint(body), (e: Error & { code?: string }) => e.code === 'MALFORMED' && message.test(e.message));
    });
  }
});

describe('the 409 size answer', () => {
  it('is text/x.tlog.size holding the size and a newline', () => {
    assert.equal(TLOG_SIZE_CONTENT_TYPE, 'text/x.tlog.size');
    assert.equal(formatTlogSize(20852014), '20852014\n');
    assert.equal(parseTlogSize(formatTlogSize(20852014)), 20852014);
    assert.equal(parseTlogSize('7'), 7);
  });

  it('matches the media type with parameters, and only it', () => {
    assert.ok(isTlogSizeType('text/x.tlog.size'));
    assert.ok(isTlogSizeType('text/x.tlog.size; charset=utf-8'));
    assert.ok(!isTlogSizeType('text/plain'));
  });

  it('refuses a body that is not one canonical decimal line', () => {
    for (const body of ['', '\n', '07\n', '5\n\n', ' 5\n', '-1\n', '9007199254740992\n']) assert.equal(parseTlogSize(body), undefined, JSON.stringify(body));
  });
});

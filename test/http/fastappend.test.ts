// The node:http fast path for POST /api/v1/entries and /api/v1/entries/batch answers exactly as the express
// handlers do: two logs
// with the same keys and clock, one served by express alone and one by the fast path in front of express,
// get the same sequence of requests, and every answer must match in status, Content-Type and body bytes.
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { LIMITS, createApp } from '../../src/http/app.ts';
import { batchAdmitter, submissionAdmitter } from '../../src/http/appends.ts';
import { bearerAuthenticator, parseToken } from '../../src/http/auth.ts';
import { fastAppend } from '../../src/http/fastappend.ts';
import { Metrics } from '../../src/http/metrics.ts';
import { makeSubmission, serveWithFastPath } from '../helpers/server.ts';
import { openMemoryLog } from '../log/fixtures.ts';

const SECRET = 'fast-append-secret-0123456789';
const tokens = [parseToken(`alice:${SECRET}`)];

describe('fastAppend (appends without express)', async () => {
  const plainLog = (await openMemoryLog()).log;
  const bothLog = (await openMemoryLog()).log;
  const metrics = new Metrics();
  const app = createApp({ log: bothLog, tokens, metrics });
  const fast = fastAppend({
    log: bothLog,
    authenticate: bearerAuthenticator(tokens),
    admit: submissionAdmitter(undefined),
    admitBatch: batchAdmitter(undefined),
    metrics,
    bodyLimit: LIMITS.entryBodyBytes,
    batchBodyLimit: LIMITS.batchBodyBytes,
  });
  const { plainUrl, bothUrl, fastHits } = await serveWithFastPath(createApp({ log: plainLog, tokens }), fast, app);

  const valid = (i: number) => JSON.stringify(makeSubmission(i));
  const bad = JSON.parse(valid(99)) as { subject: { sha256: string } };
  bad.subject.sha256 = 'ab';
  const forged = JSON.parse(JSON.stringify(makeSubmission(98, { seed: new Uint8Array(32).fill(7) }))) as { subject: { size: number } };
  forged.subject.size += 1;
  const auth = `Bearer ${SECRET}`;
  const json = 'application/json';
  const batchOf = (...subs: unknown[]) => JSON.stringify({ entries: subs });
  const unicode = makeSubmission(40) as { subject: { project: string; filename: string } };
  unicode.subject.filename = 'caf\u00e9-\u{1F600}-1.0.tar.gz';
  const B = '/api/v1/entries/batch';
  // [name, content-type, authorization, body, taken by the fast path?, path]
  const cases: [string, string | undefined, string | undefined, string | Uint8Array, boolean, string?][] = [
    ['a valid submission', json, auth, valid(1), true],
    ['the same submission again (duplicate)', json, auth, valid(1), true],
    ['charset=utf-8 and a lower-case bearer scheme', 'application/json; charset=UTF-8', `bearer ${SECRET}`, valid(2), true],
    ['a body with a UTF-8 byte order mark', json, auth, `\ufeff${valid(3)}`, true],
    ['leading whitespace', json, auth, ` \n\t${valid(4)}`, true],
    ['malformed JSON', json, auth, '{"kind": ', true],
    ['a JSON number', json, auth, '42', true],
    ['a JSON string', json, auth, '"artifact"', true],
    ['only whitespace', json, auth, '   ', true],
    ['a JSON array', json, auth, '[]', true],
    ['an invalid digest', json, auth, JSON.stringify(bad), true],
    ['a publisher signature that does not verify', json, auth, JSON.stringify(forged), true],
    ['invalid UTF-8', json, auth, Uint8Array.from([0x7b, 0xff, 0x7d]), true],
    // Left to express: decided on the headers alone.
    ['no token', json, undefined, valid(5), false],
    ['a wrong token', json, 'Bearer not-the-secret-at-all', valid(5), false],
    ['text/plain', 'text/plain', auth, valid(5), false],
    ['charset=latin1', 'application/json; charset=latin1', auth, valid(5), false],
    ['no Content-Type', undefined, auth, valid(5), false],
    ['a body over the limit', json, auth, `{"x":"${'a'.repeat(LIMITS.entryBodyBytes)}"}`, false],
    ['an empty body', json, auth, '', false],
    ['a non-ASCII filename', json, auth, JSON.stringify(unicode), true],
    ['a member named twice', json, auth, valid(6).replace('"kind":"artifact"', '"kind":"artifact","kind":"vetting"'), true],
    ['a member named twice, once escaped', json, auth, valid(6).replace('"size":', '"size":1,"\\u0073ize":'), true],
    ['a batch', json, auth, batchOf(...[10, 11, 12, 13].map((i) => makeSubmission(i))), true, B],
    ['a batch with duplicates of itself and of earlier entries', json, auth, batchOf(makeSubmission(20), makeSubmission(20), makeSubmission(1), makeSubmission(10)), true, B],
    ['a batch with invalid positions', json, auth, batchOf(makeSubmission(21), bad, forged, 7), true, B],
    ['a batch of only bad signatures', json, auth, batchOf(forged), true, B],
    ['an empty batch', json, auth, batchOf(), true, B],
    ['a batch of 1,001', json, auth, batchOf(...Array.from({ length: 1001 }, (_, i) => makeSubmission(1000 + i))), true, B],
    ['a batch body with another member', json, auth, JSON.stringify({ entries: [makeSubmission(22)], more: 1 }), true, B],
    ['a batch body that is an array', json, auth, JSON.stringify([makeSubmission(22)]), true, B],
    ['a batch with a member named twice in one submission', json, auth, batchOf(makeSubmission(24), makeSubmission(25)).replace('"project":', '"project":"x","project":'), true, B],
    ['a batch naming "entries" twice', json, auth, `{"entries":[],"entries":[${valid(26)}]}`, true, B],
    ['a batch without a token', json, undefined, batchOf(makeSubmission(23)), false, B],
    // The multi-proof form: taken for exactly ?receipts=multiproof, other query strings left to express.
    ['a multi-proof batch', json, auth, batchOf(...[30, 31, 32].map((i) => makeSubmission(i))), true, `${B}?receipts=multiproof`],
    ['a multi-proof batch with duplicates', json, auth, batchOf(makeSubmission(33), makeSubmission(33), makeSubmission(1), makeSubmission(30)), true, `${B}?receipts=multiproof`],
    ['a multi-proof batch with invalid positions', json, auth, batchOf(makeSubmission(34), bad), true, `${B}?receipts=multiproof`],
    ['the receipts form asked for by name', json, auth, batchOf(makeSubmission(35)), false, `${B}?receipts=receipts`],
    ['an unknown answer form', json, auth, batchOf(makeSubmission(36)), false, `${B}?receipts=compact`],
    ['an unknown query parameter', json, auth, batchOf(makeSubmission(36)), false, `${B}?proof=multi`],
    ['the form asked for twice', json, auth, batchOf(makeSubmission(36)), false, `${B}?receipts=multiproof&receipts=multiproof`],
  ];
  let expectedHits = 0;
  for (const [name, type, authorization, body, taken, path = '/api/v1/entries'] of cases) {
    if (taken) expectedHits++;
    it(`${name}: ${taken ? 'fast path' : 'express'}, same answer`, async () => {
      const headers: Record<string, string> = {};
      if (type !== undefined) headers['content-type'] = type;
      if (authorization !== undefined) headers.authorization = authorization;
      const send = (url: string) => fetch(`${url}${path}`, { method: 'POST', headers, body });
      const a = await send(plainUrl);
      const b = await send(bothUrl);
      assert.equal(b.status, a.status);
      assert.equal(b.headers.get('content-type'), a.headers.get('content-type'));
      assert.equal(b.headers.get('retry-after'), a.headers.get('retry-after'));
      assert.equal(b.headers.get('www-authenticate'), a.headers.get('www-authenticate'));
      assert.equal(await b.text(), await a.text());
    });
  }

  it('refuses a member named twice on the express path too (a gzip body), before logging anything', async () => {
    const before = bothLog.checkpoint.size;
    const body = gzipSync(valid(27).replace('"size":', '"size":1,"size":'));
    const r = await fetch(`${bothUrl}/api/v1/entries`, { method: 'POST', headers: { 'content-type': json, 'content-encoding': 'gzip', authorization: auth }, body });
    assert.equal(r.status, 400);
    const p = (await r.json()) as { code: string; detail: string };
    assert.equal(p.code, 'MALFORMED');
    assert.equal(p.detail, 'request body: the member name "size" appears twice in one object');
    assert.equal(bothLog.checkpoint.size, before);
    // The same body without the repetition is logged.
    const ok = await fetch(`${bothUrl}/api/v1/entries`, { method: 'POST', headers: { 'content-type': json, 'content-encoding': 'gzip', authorization: auth }, body: gzipSync(valid(27)) });
    assert.equal(ok.status, 201);
  });

  it('refuses an unknown answer form before logging anything (400 MALFORMED)', async () => {
    const before = bothLog.checkpoint.size;
    const r = await fetch(`${bothUrl}${B}?receipts=compact`, { method: 'POST', headers: { 'content-type': json, authorization: auth }, body: batchOf(makeSubmission(37)) });
    assert.equal(r.status, 400);
    const p = (await r.json()) as { code: string; detail: string };
    assert.equal(p.code, 'MALFORMED');
    assert.match(p.detail, /receipts=receipts\|multiproof/);
    assert.equal(bothLog.checkpoint.size, before);
  });

  it('took exactly the plain requests', () => {
    assert.equal(fastHits(), expectedHits);
    assert.match(metrics.render(bothLog), /stamplog_problems_total\{code="MALFORMED"\} \d+/);
  });
});

/**
 * Hostile requests against the REAL server process (issue 3, "Bad input"): each gets its documented status as
 * an RFC 9457 problem (`application/problem+json`, {type, title, status, detail, code}), and none creates a
 * leaf: the published tree size is checked after every request, and the checkpoint at the end.
 *
 * The table below IS the documentation of these statuses (the README's table is copied from it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ED25519_SMALL_ORDER_ENCODINGS } from '../../src/crypto/ed25519.ts';
import { signStatement, submissionToJSON, toBase64 } from '../../src/leaf/index.ts';
import type { SubmissionJSON } from '../../src/leaf/index.ts';
import { appendBatch, appendOne, getText, makeSubmission, makeSubmissionValue, rawRequest, startServer, treeSize } from '../helpers/server.ts';
import type { RawResponse, RunningServer } from '../helpers/server.ts';

const SEED_A = new Uint8Array(32).fill(0xa1);
const SEED_B = new Uint8Array(32).fill(0xb2);
/** Entries logged before the hostile requests (so that "index ≥ size" and tiles have something to be beyond). */
const LOGGED = 3;

type Json = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);
const good = (i: number): SubmissionJSON => makeSubmission(i, { salt: 'hostile' });
const signed = (i: number, seed = SEED_A): SubmissionJSON => makeSubmission(i, { salt: 'hostile', seed });

/** `good(0)` with one change applied to a deep copy. */
function mutate(f: (s: Json & { subject: Json }) => void, base: SubmissionJSON = good(100)): Json {
  const s = clone(base) as unknown as Json & { subject: Json };
  f(s);
  return s;
}

/** Base64 of `b` whose last significant character has a padding bit set: decodes to the same bytes, but non-canonical. */
function nonCanonicalBase64(b: Uint8Array): string {
  const s = toBase64(b);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const at = s.replace(/=+$/, '').length - 1;
  return s.slice(0, at) + alphabet[alphabet.indexOf(s[at]) | 1] + s.slice(at + 1);
}

interface Case {
  name: string;
  method?: string;
  path: string;
  /** JSON value (sent as application/json with the token unless `headers` says otherwise) or raw text/bytes. */
  json?: unknown;
  raw?: string | Uint8Array;
  /** Announce this Content-Length but send only `raw` (see rawRequest). */
  declaredLength?: number;
  /** Headers replacing the defaults (content-type json + bearer token) when given. */
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** For batches: the positions the problem must list. */
  positions?: number[];
  /** Headers the answer must carry. */
  expectHeaders?: Record<string, RegExp>;
  detail?: RegExp;
}

/** Stands for the server's token in the case table (the server starts after the tests are registered). */
const TOKEN = '<token>';

function cases(): Case[] {
  const token = TOKEN;
  const auth = { authorization: `Bearer ${token}` };
  const json = { 'content-type': 'application/json', ...auth };
  const E = '/api/v1/entries';
  const B = '/api/v1/entries/batch';
  const sigA = signed(200);
  const keyB = toBase64(makeSubmissionValue(0, { seed: SEED_B }).sig!.key);
  const smallOrder = Buffer.from(ED25519_SMALL_ORDER_ENCODINGS[1], 'hex');
  const subA = makeSubmissionValue(201, { salt: 'hostile', seed: SEED_A });
  const flipped = subA.sig!.sig.slice();
  flipped[5] ^= 1;
  const bigBatch = Array.from({ length: 1001 }, (_, i) => good(1000 + i));
  const goods = Array.from({ length: 6 }, (_, i) => good(300 + i));
  return [
    // ── authentication (checked before the body is read) ──
    { name: 'missing token', path: E, headers: { 'content-type': 'application/json' }, json: good(1), status: 401, code: 'UNAUTHORIZED', expectHeaders: { 'www-authenticate': /^Bearer$/ } },
    { name: 'wrong token', path: E, headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-wrong-token' }, json: good(1), status: 401, code: 'UNAUTHORIZED' },
    { name: 'token of another length', path: E, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}x` }, json: good(1), status: 401, code: 'UNAUTHORIZED' },
    { name: 'Basic scheme', path: E, headers: { 'content-type': 'application/json', authorization: 'Basic YWxpY2U6c2VjcmV0LXNlY3JldC1zZWNyZXQ=' }, json: good(1), status: 401, code: 'UNAUTHORIZED' },
    { name: 'Bearer without token', path: E, headers: { 'content-type': 'application/json', authorization: 'Bearer' }, json: good(1), status: 401, code: 'UNAUTHORIZED' },
    { name: 'Bearer with two spaces', path: E, headers: { 'content-type': 'application/json', authorization: `Bearer  ${token}` }, json: good(1), status: 401, code: 'UNAUTHORIZED' },
    { name: 'Bearer token with trailing junk', path: E, headers: { 'content-type': 'application/json', authorization: `Bearer ${token} x` }, json: good(1), status: 401, code: 'UNAUTHORIZED' },
    // Content-Length 9 MiB, only 1 KiB sent: the answer comes before the body, so the server never read it.
    { name: 'batch without token, 9 MiB announced (refused unread)', path: B, headers: { 'content-type': 'application/json' }, raw: '{'.repeat(1024), declaredLength: 9 << 20, status: 401, code: 'UNAUTHORIZED' },
    { name: 'single 1 MiB announced with wrong token (refused unread)', path: E, headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token-at-all' }, raw: '{', declaredLength: 1 << 20, status: 401, code: 'UNAUTHORIZED' },
    // Within the body limit, a refused body is read off first, so a client still sending sees the 401.
    { name: 'batch without token, 4 MiB sent', path: B, headers: { 'content-type': 'application/json' }, raw: 'x'.repeat(4 << 20), status: 401, code: 'UNAUTHORIZED' },
    // ── body: syntax, media type, size ──
    { name: 'malformed JSON', path: E, raw: '{"kind": "artifact", ', status: 400, code: 'MALFORMED' },
    { name: 'JSON with trailing garbage', path: E, raw: `${JSON.stringify(good(1))} x`, status: 400, code: 'MALFORMED' },
    { name: 'wrong content type', path: E, headers: { 'content-type': 'text/plain', ...auth }, raw: JSON.stringify(good(1)), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'unsupported charset', path: E, headers: { 'content-type': 'application/json; charset=latin1', ...auth }, raw: JSON.stringify(good(1)), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'a member named twice', path: E, headers: json, raw: JSON.stringify(good(1)).replace('"kind":', '"kind":"vetting","kind":'), status: 400, code: 'MALFORMED' },
    {
      name: 'a batch body that is one object of 400,000 members (each name once, then one twice)',
      path: B,
      headers: json,
      raw: `{${Array.from({ length: 400_000 }, (_, i) => `"m${i}":0`).join(',')},"m7":1}`,
      status: 400,
      code: 'MALFORMED',
    },
    { name: 'unsupported content coding', path: E, headers: { ...json, 'content-encoding': 'compress' }, raw: JSON.stringify(good(1)), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'no content type', path: E, headers: { ...auth }, raw: JSON.stringify(good(1)), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'gzip that does not inflate', path: E, headers: { ...json, 'content-encoding': 'gzip' }, raw: JSON.stringify(good(1)), status: 400, code: 'MALFORMED' },
    { name: 'gzip bomb (inflates beyond 64 KiB)', path: E, headers: { ...json, 'content-encoding': 'gzip' }, raw: gzipSync(Buffer.from(`{"kind":"${'a'.repeat(1 << 20)}"}`)), status: 413, code: 'TOO_LARGE' },
    { name: 'JSON array', path: E, json: [good(1)], status: 400, code: 'MALFORMED' },
    { name: 'JSON null', path: E, raw: 'null', status: 400, code: 'MALFORMED' },
    { name: 'deeply nested JSON', path: E, raw: '['.repeat(20_000) + ']'.repeat(20_000), status: 400, code: 'MALFORMED' },
    { name: 'single body > 64 KiB', path: E, json: mutate((s) => (s.pad = 'x'.repeat(64 * 1024))), status: 413, code: 'TOO_LARGE' },
    { name: 'batch body > 8 MiB', path: B, json: { entries: [mutate((s) => (s.pad = 'x'.repeat(8 << 20)))] }, status: 413, code: 'TOO_LARGE' },
    // ── wrong types, unknown fields, missing fields ──
    { name: 'kind is a number', path: E, json: mutate((s) => (s.kind = 5)), status: 400, code: 'MALFORMED', detail: /kind/ },
    { name: 'unknown kind', path: E, json: mutate((s) => (s.kind = 'key')), status: 400, code: 'MALFORMED', detail: /kind/ },
    { name: 'subject is a string', path: E, json: mutate((s) => (s.subject = 'x' as unknown as Json)), status: 400, code: 'MALFORMED', detail: /subject/ },
    { name: 'size is a string', path: E, json: mutate((s) => (s.subject.size = '10')), status: 400, code: 'MALFORMED', detail: /subject\.size/ },
    { name: 'size is negative', path: E, json: mutate((s) => (s.subject.size = -1)), status: 400, code: 'MALFORMED', detail: /subject\.size/ },
    { name: 'size is fractional', path: E, json: mutate((s) => (s.subject.size = 1.5)), status: 400, code: 'MALFORMED', detail: /subject\.size/ },
    { name: 'size is 2^53', path: E, raw: JSON.stringify(good(100)).replace(/"size":\d+/, '"size":9007199254740992'), status: 400, code: 'MALFORMED', detail: /subject\.size/ },
    { name: 'project is a number', path: E, json: mutate((s) => (s.subject.project = 7)), status: 400, code: 'MALFORMED', detail: /subject\.project/ },
    { name: 'sha256 is an array', path: E, json: mutate((s) => (s.subject.sha256 = [1, 2])), status: 400, code: 'MALFORMED', detail: /subject\.sha256/ },
    { name: 'backfill is a string', path: E, json: mutate((s) => (s.claims = { backfill: 'yes' })), status: 400, code: 'MALFORMED', detail: /claims\.backfill/ },
    { name: 'uploadedAt not RFC 3339 UTC', path: E, json: mutate((s) => (s.claims = { uploadedAt: '2024-05-29 15:37:47+02:00' })), status: 400, code: 'MALFORMED', detail: /claims\.uploadedAt/ },
    { name: 'unknown top-level field', path: E, json: mutate((s) => (s.time = 1)), status: 400, code: 'MALFORMED', detail: /time: unknown field/ },
    { name: 'unknown subject field', path: E, json: mutate((s) => (s.subject.md5 = 'x')), status: 400, code: 'MALFORMED', detail: /subject\.md5: unknown field/ },
    { name: '__proto__ field', path: E, raw: JSON.stringify(good(100)).replace('{', '{"__proto__":{"x":1},'), status: 400, code: 'MALFORMED', detail: /__proto__/ },
    { name: 'missing subject', path: E, json: { kind: 'artifact' }, status: 400, code: 'MALFORMED', detail: /subject: required/ },
    { name: 'vetting without verdict', path: E, json: mutate((s) => (s.kind = 'vetting'), sigA), status: 400, code: 'MALFORMED', detail: /verdict: required/ },
    // ── oversized fields ──
    { name: 'project of 201 bytes', path: E, json: mutate((s) => (s.subject.project = 'p'.repeat(201))), status: 400, code: 'MALFORMED', detail: /subject\.project/ },
    { name: 'filename of 256 bytes', path: E, json: mutate((s) => (s.subject.filename = 'f'.repeat(256))), status: 400, code: 'MALFORMED', detail: /subject\.filename/ },
    { name: 'version of 129 bytes (multi-byte)', path: E, json: mutate((s) => (s.subject.version = 'é'.repeat(65))), status: 400, code: 'MALFORMED', detail: /subject\.version/ },
    { name: 'control character in filename', path: E, json: mutate((s) => (s.subject.filename = 'a\nb')), status: 400, code: 'MALFORMED', detail: /subject\.filename/ },
    // ── names as the index means them (issue 16): a basename, no invisible or bidirectional characters ──
    { name: 'filename is a path with ..', path: E, json: mutate((s) => (s.subject.filename = '../../etc/passwd')), status: 400, code: 'MALFORMED', detail: /subject\.filename: must be a basename/ },
    { name: 'filename with a backslash', path: E, json: mutate((s) => (s.subject.filename = '..\\x.whl')), status: 400, code: 'MALFORMED', detail: /subject\.filename: must be a basename/ },
    { name: 'filename is ..', path: E, json: mutate((s) => (s.subject.filename = '..')), status: 400, code: 'MALFORMED', detail: /subject\.filename: must not start with "\."/ },
    { name: 'filename is hidden', path: E, json: mutate((s) => (s.subject.filename = '.pth')), status: 400, code: 'MALFORMED', detail: /subject\.filename: must not start with "\."/ },
    { name: 'filename with a right-to-left override', path: E, json: mutate((s) => (s.subject.filename = 'x\u202Elhw.exe')), status: 400, code: 'MALFORMED', detail: /subject\.filename: .*U\+202E/ },
    { name: 'project with a zero-width space', path: E, json: mutate((s) => (s.subject.project = 'req\u200Buests')), status: 400, code: 'MALFORMED', detail: /subject\.project: .*U\+200B/ },
    { name: 'project with a byte order mark', path: E, json: mutate((s) => (s.subject.project = '\uFEFFrequests')), status: 400, code: 'MALFORMED', detail: /subject\.project: .*U\+FEFF/ },
    { name: 'version with a line separator', path: E, json: mutate((s) => (s.subject.version = '1.0\u2028')), status: 400, code: 'MALFORMED', detail: /subject\.version: .*U\+2028/ },
    { name: 'version with a left-to-right isolate', path: E, json: mutate((s) => (s.subject.version = '\u20661.0')), status: 400, code: 'MALFORMED', detail: /subject\.version: .*U\+2066/ },
    {
      name: 'batch with a path filename at position 1',
      path: B,
      json: { entries: [good(400), mutate((s) => (s.subject.filename = 'a/b.whl'), good(401)), good(402)] },
      status: 400,
      code: 'MALFORMED',
      positions: [1],
    },
    // ── hex and base64 ──
    { name: 'sha256 not hex', path: E, json: mutate((s) => (s.subject.sha256 = 'zz'.repeat(32))), status: 400, code: 'MALFORMED', detail: /subject\.sha256/ },
    { name: 'sha256 uppercase hex', path: E, json: mutate((s) => (s.subject.sha256 = (s.subject.sha256 as string).toUpperCase())), status: 400, code: 'MALFORMED', detail: /subject\.sha256/ },
    { name: 'sha256 short (31 bytes)', path: E, json: mutate((s) => (s.subject.sha256 = (s.subject.sha256 as string).slice(2))), status: 400, code: 'MALFORMED', detail: /subject\.sha256/ },
    { name: 'sha256 long (33 bytes)', path: E, json: mutate((s) => (s.subject.sha256 = `${s.subject.sha256 as string}00`)), status: 400, code: 'MALFORMED', detail: /subject\.sha256/ },
    { name: 'key not base64', path: E, json: mutate((s) => ((s.sig as Json).key = '!'.repeat(44)), sigA), status: 400, code: 'MALFORMED', detail: /sig\.key/ },
    { name: 'key base64 without padding', path: E, json: mutate((s) => ((s.sig as Json).key = ((s.sig as Json).key as string).replace(/=+$/, '')), sigA), status: 400, code: 'MALFORMED', detail: /sig\.key/ },
    { name: 'key non-canonical base64', path: E, json: mutate((s) => ((s.sig as Json).key = nonCanonicalBase64(subA.sig!.key)), submissionToJSON(subA)), status: 400, code: 'MALFORMED', detail: /sig\.key/ },
    { name: 'sig non-canonical base64', path: E, json: mutate((s) => ((s.sig as Json).sig = nonCanonicalBase64(subA.sig!.sig)), submissionToJSON(subA)), status: 400, code: 'MALFORMED', detail: /sig\.sig/ },
    { name: 'sig base64url', path: E, json: mutate((s) => ((s.sig as Json).sig = Buffer.from(subA.sig!.sig).toString('base64url')), submissionToJSON(subA)), status: 400, code: 'MALFORMED', detail: /sig\.sig/ },
    { name: 'sig of 63 bytes', path: E, json: mutate((s) => ((s.sig as Json).sig = toBase64(subA.sig!.sig.subarray(1))), submissionToJSON(subA)), status: 400, code: 'MALFORMED', detail: /sig\.sig/ },
    { name: 'sig.alg rsa', path: E, json: mutate((s) => ((s.sig as Json).alg = 'rsa'), sigA), status: 400, code: 'MALFORMED', detail: /sig\.alg/ },
    // ── publisher signatures ──
    { name: 'bad publisher signature (one bit)', path: E, json: mutate((s) => ((s.sig as Json).sig = toBase64(flipped)), submissionToJSON(subA)), status: 422, code: 'INVALID_SIGNATURE', detail: /sig\.sig/ },
    { name: 'signature by another key', path: E, json: mutate((s) => ((s.sig as Json).key = keyB), sigA), status: 422, code: 'INVALID_SIGNATURE', detail: /sig\.sig/ },
    { name: 'signature over another statement', path: E, json: mutate((s) => (s.subject.size = 1), sigA), status: 422, code: 'INVALID_SIGNATURE', detail: /sig\.sig/ },
    {
      name: 'small-order key with the trivial forgery',
      path: E,
      json: mutate((s) => (s.sig = { alg: 'ed25519', key: toBase64(smallOrder), sig: toBase64(new Uint8Array([...smallOrder, ...new Uint8Array(32)])) })),
      status: 422,
      code: 'INVALID_SIGNATURE',
      detail: /sig\.key/,
    },
    // ── batches ──
    { name: 'batch of 1,001', path: B, json: { entries: bigBatch }, status: 413, code: 'TOO_LARGE' },
    { name: 'empty batch', path: B, json: { entries: [] }, status: 400, code: 'MALFORMED' },
    { name: 'batch entries not an array', path: B, json: { entries: good(1) }, status: 400, code: 'MALFORMED' },
    { name: 'batch with an unknown field', path: B, json: { entries: [good(1)], force: true }, status: 400, code: 'MALFORMED' },
    { name: 'batch as a bare array', path: B, json: [good(1)], status: 400, code: 'MALFORMED' },
    {
      name: 'batch with one malformed entry among good ones',
      path: B,
      json: { entries: [goods[0], goods[1], goods[2], mutate((s) => (s.subject.sha256 = 'AB')), goods[3], goods[4]] },
      status: 400,
      code: 'MALFORMED',
      positions: [3],
    },
    {
      name: 'batch with one bad signature among good ones',
      path: B,
      json: { entries: [goods[0], signed(400), mutate((s) => ((s.sig as Json).key = keyB), signed(401)), goods[5]] },
      status: 422,
      code: 'INVALID_SIGNATURE',
      positions: [2],
    },
    {
      name: 'batch with a bad signature and a malformed entry',
      path: B,
      json: { entries: [mutate((s) => ((s.sig as Json).key = keyB), signed(402)), goods[1], 42] },
      status: 400,
      code: 'MALFORMED',
      positions: [0, 2],
    },
    // ── numbers in paths and queries: canonical decimals only ──
    { name: 'entry index = size', method: 'GET', path: `${E}/${LOGGED}`, status: 404, code: 'NOT_FOUND' },
    { name: 'entry index 2^63', method: 'GET', path: `${E}/9223372036854775808`, status: 400, code: 'MALFORMED' },
    { name: 'entry index 2^53', method: 'GET', path: `${E}/9007199254740992`, status: 400, code: 'MALFORMED' },
    { name: 'entry index negative', method: 'GET', path: `${E}/-1`, status: 400, code: 'MALFORMED' },
    { name: 'entry index "+1"', method: 'GET', path: `${E}/+1`, status: 400, code: 'MALFORMED' },
    { name: 'entry index "01"', method: 'GET', path: `${E}/01`, status: 400, code: 'MALFORMED' },
    { name: 'entry index "1.0"', method: 'GET', path: `${E}/1.0`, status: 400, code: 'MALFORMED' },
    { name: 'entry index "1e0"', method: 'GET', path: `${E}/1e0`, status: 400, code: 'MALFORMED' },
    { name: 'entry index not percent-decodable', method: 'GET', path: `${E}/%zz`, status: 400, code: 'MALFORMED' },
    { name: 'inclusion index = size', method: 'GET', path: `/api/v1/proofs/inclusion?index=${LOGGED}&size=${LOGGED}`, status: 404, code: 'NOT_FOUND' },
    { name: 'inclusion size beyond the tree', method: 'GET', path: `/api/v1/proofs/inclusion?index=0&size=${LOGGED + 1}`, status: 404, code: 'NOT_FOUND' },
    { name: 'inclusion size 2^63', method: 'GET', path: '/api/v1/proofs/inclusion?index=0&size=9223372036854775808', status: 400, code: 'MALFORMED' },
    { name: 'inclusion index "%2B1"', method: 'GET', path: '/api/v1/proofs/inclusion?index=%2B1', status: 400, code: 'MALFORMED' },
    { name: 'inclusion index "+1" (a space)', method: 'GET', path: '/api/v1/proofs/inclusion?index=+1', status: 400, code: 'MALFORMED' },
    { name: 'inclusion index "05"', method: 'GET', path: '/api/v1/proofs/inclusion?index=05', status: 400, code: 'MALFORMED' },
    { name: 'inclusion index "1e3"', method: 'GET', path: '/api/v1/proofs/inclusion?index=1e3', status: 400, code: 'MALFORMED' },
    { name: 'inclusion index given twice', method: 'GET', path: '/api/v1/proofs/inclusion?index=0&index=0', status: 400, code: 'MALFORMED' },
    { name: 'inclusion with index and leafHash', method: 'GET', path: `/api/v1/proofs/inclusion?index=0&leafHash=${'0'.repeat(64)}`, status: 400, code: 'MALFORMED' },
    { name: 'inclusion unknown leafHash', method: 'GET', path: `/api/v1/proofs/inclusion?leafHash=${'0'.repeat(64)}`, status: 404, code: 'NOT_FOUND' },
    { name: 'inclusion leafHash uppercase', method: 'GET', path: `/api/v1/proofs/inclusion?leafHash=${'A'.repeat(64)}`, status: 400, code: 'MALFORMED' },
    { name: 'consistency from > to', method: 'GET', path: '/api/v1/proofs/consistency?from=3&to=2', status: 400, code: 'MALFORMED' },
    { name: 'consistency from = 0', method: 'GET', path: '/api/v1/proofs/consistency?from=0&to=2', status: 400, code: 'MALFORMED' },
    { name: 'consistency to beyond the tree', method: 'GET', path: `/api/v1/proofs/consistency?from=1&to=${LOGGED + 1}`, status: 404, code: 'NOT_FOUND' },
    { name: 'consistency "5.0"', method: 'GET', path: '/api/v1/proofs/consistency?from=1&to=2.0', status: 400, code: 'MALFORMED' },
    { name: 'consistency negative', method: 'GET', path: '/api/v1/proofs/consistency?from=-1&to=2', status: 400, code: 'MALFORMED' },
    // ── tiles ──
    { name: 'tile ../x', method: 'GET', path: '/tile/../x', status: 400, code: 'MALFORMED' },
    { name: 'tile ..%2F..', method: 'GET', path: '/tile/0/..%2F..', status: 400, code: 'MALFORMED' },
    { name: 'tile percent-encoded digits', method: 'GET', path: '/tile/0/%30%30%30.p/1', status: 400, code: 'MALFORMED' },
    { name: 'tile x000/005 (leading zero group)', method: 'GET', path: '/tile/0/x000/005', status: 400, code: 'MALFORMED' },
    { name: 'tile width 0', method: 'GET', path: '/tile/0/001.p/0', status: 400, code: 'MALFORMED' },
    { name: 'tile width 256', method: 'GET', path: '/tile/0/001.p/256', status: 400, code: 'MALFORMED' },
    { name: 'tile width "01"', method: 'GET', path: '/tile/0/000.p/01', status: 400, code: 'MALFORMED' },
    { name: 'tile level 64', method: 'GET', path: '/tile/64/000', status: 400, code: 'MALFORMED' },
    { name: 'tile trailing slash', method: 'GET', path: '/tile/0/000.p/1/', status: 400, code: 'MALFORMED' },
    { name: 'full tile beyond the tree', method: 'GET', path: '/tile/0/000', status: 404, code: 'NOT_FOUND' },
    { name: 'partial tile wider than the tree', method: 'GET', path: `/tile/0/000.p/${LOGGED + 1}`, status: 404, code: 'NOT_FOUND' },
    { name: 'level-1 tile of a small tree', method: 'GET', path: '/tile/1/000.p/1', status: 404, code: 'NOT_FOUND' },
    { name: 'entry bundle beyond the tree', method: 'GET', path: `/tile/entries/000.p/${LOGGED + 1}`, status: 404, code: 'NOT_FOUND' },
    { name: 'entry bundle of a later tile', method: 'GET', path: '/tile/entries/001.p/1', status: 404, code: 'NOT_FOUND' },
    // ── search ──
    { name: 'search without a key', method: 'GET', path: '/api/v1/search', status: 400, code: 'MALFORMED' },
    { name: 'search with two keys', method: 'GET', path: `/api/v1/search?project=a&filename=b`, status: 400, code: 'MALFORMED' },
    { name: 'search sha256 short', method: 'GET', path: `/api/v1/search?sha256=${'a'.repeat(62)}`, status: 400, code: 'MALFORMED' },
    { name: 'search version without project', method: 'GET', path: '/api/v1/search?filename=a&version=1', status: 400, code: 'MALFORMED' },
    { name: 'search project of 1,025 characters', method: 'GET', path: `/api/v1/search?project=${'p'.repeat(1025)}`, status: 400, code: 'MALFORMED' },
    { name: 'search project with NUL', method: 'GET', path: '/api/v1/search?project=a%00b', status: 400, code: 'MALFORMED' },
    { name: 'search limit 0', method: 'GET', path: '/api/v1/search?project=a&limit=0', status: 400, code: 'MALFORMED' },
    { name: 'search after "-1"', method: 'GET', path: '/api/v1/search?project=a&after=-1', status: 400, code: 'MALFORMED' },
    // ── routing ──
    { name: 'unknown endpoint', method: 'GET', path: '/api/v2/entries', status: 404, code: 'NOT_FOUND' },
    { name: 'wrong case', method: 'GET', path: '/API/V1/LOG', status: 404, code: 'NOT_FOUND' },
    { name: 'checkpoint with trailing slash', method: 'GET', path: '/checkpoint/', status: 404, code: 'NOT_FOUND' },
    { name: 'GET on the append endpoint', method: 'GET', path: E, status: 405, code: 'NOT_FOUND', expectHeaders: { allow: /^POST$/ } },
    { name: 'PUT on the append endpoint', method: 'PUT', path: E, json: good(1), status: 405, code: 'NOT_FOUND', expectHeaders: { allow: /^POST$/ } },
    { name: 'GET on the batch endpoint', method: 'GET', path: B, status: 405, code: 'NOT_FOUND', expectHeaders: { allow: /^POST$/ } },
    { name: 'POST on the checkpoint', method: 'POST', path: '/checkpoint', json: {}, status: 405, code: 'NOT_FOUND', expectHeaders: { allow: /^GET, HEAD$/ } },
    { name: 'DELETE on an entry', method: 'DELETE', path: `${E}/0`, status: 405, code: 'NOT_FOUND', expectHeaders: { allow: /^GET, HEAD$/ } },
    { name: 'PUT on a tile', method: 'PUT', path: '/tile/0/000.p/1', raw: 'x', status: 405, code: 'NOT_FOUND', expectHeaders: { allow: /^GET, HEAD$/ } },
  ];
}

describe('hostile requests against the real server', { timeout: 120_000 }, () => {
  let srv: RunningServer;
  let checkpointBefore: string;

  before(async () => {
    srv = await startServer();
    for (let i = 0; i < LOGGED; i++) assert.equal((await appendOne(srv, makeSubmission(i, { salt: 'logged' }))).status, 201);
    assert.equal(await treeSize(srv), LOGGED);
    checkpointBefore = (await getText(srv, '/checkpoint')).text;
  });
  after(async () => {
    await srv?.kill();
  });

  const all = cases();
  it('has at least 30 cases with distinct names', () => {
    assert.ok(all.length >= 30);
    assert.equal(new Set(all.map((c) => c.name)).size, all.length);
  });

  // One `it` per case, so that a failure names the request.
  for (const real of all) {
    it(`${real.name} → ${real.status}`, async () => {
      const headers = Object.fromEntries(Object.entries(real.headers ?? { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }).map(([k, v]) => [k, v.replace(TOKEN, srv.token)]));
      const body = real.raw ?? (real.json === undefined ? undefined : JSON.stringify(real.json));
      const method = real.method ?? 'POST';
      const res: RawResponse = await rawRequest(srv, { method, path: real.path, headers, body, declaredLength: real.declaredLength });
      assert.equal(res.status, real.status, `${method} ${real.path}: ${res.text.slice(0, 500)}`);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json(;|$)/);
      const p = res.json as Record<string, unknown>;
      assert.ok(p !== undefined && typeof p === 'object', res.text.slice(0, 200));
      const keys = Object.keys(p).filter((k) => k !== 'problems');
      assert.deepEqual(keys.sort(), ['code', 'detail', 'status', 'title', 'type']);
      assert.equal(p.status, real.status);
      assert.equal(p.code, real.code);
      assert.match(p.type as string, /^urn:stamplog:problem:[a-z-]+$/);
      assert.ok(typeof p.title === 'string' && p.title.length > 0);
      assert.ok(typeof p.detail === 'string' && p.detail.length > 0);
      // Never an echo of the token.
      assert.ok(!res.text.includes(srv.token));
      if (real.detail) assert.match(p.detail as string, real.detail);
      for (const [h, re] of Object.entries(real.expectHeaders ?? {})) assert.match(String(res.headers[h]), re, h);
      if (real.positions !== undefined) {
        const problems = p.problems as { index: number; code: string; detail: string }[];
        assert.ok(Array.isArray(problems), 'a refused batch lists its invalid positions');
        assert.deepEqual(
          problems.map((q) => q.index),
          real.positions,
        );
        for (const q of problems) assert.ok(typeof q.code === 'string' && typeof q.detail === 'string');
      }
      assert.equal(await treeSize(srv), LOGGED, 'no leaf was created');
    });
  }

  it('left the log exactly as it was, and still appends', async () => {
    // Nothing is queued either: a later append gets the next index.
    assert.equal((await getText(srv, '/checkpoint')).text, checkpointBefore);
    const r = await appendOne(srv, good(1));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.index, LOGGED);
    const b = await appendBatch(srv, [good(2), signed(3)]);
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(
      b.body.receipts.map((x) => x.index),
      [LOGGED + 1, LOGGED + 2],
    );
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    const lower = await rawRequest(srv, {
      method: 'POST',
      path: '/api/v1/entries',
      headers: { 'content-type': 'application/json', authorization: `bearer ${srv.token}` },
      body: JSON.stringify(good(4)),
    });
    assert.equal(lower.status, 201, lower.text);
    // A well-formed signed entry whose signature is valid is accepted (the signature cases above were refused for their flaw alone).
    const sub = makeSubmissionValue(5, { salt: 'hostile' });
    const ok = await appendOne(srv, submissionToJSON({ ...sub, sig: signStatement(SEED_B, sub) }));
    assert.equal(ok.status, 201, ok.text);
  });
});

// The body budget (src/http/bodybudget.ts): its accounting, and how both append paths (the node:http fast path
// and the express app, behind createHandler) refuse, time out and release, with small limits and short timeouts.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { BodyBudget, DEFAULT_BODY_LIMITS, bodyReservation } from '../../src/http/bodybudget.ts';
import { parseToken } from '../../src/http/auth.ts';
import { createHandler } from '../../src/http/handler.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { listenLoopback, makeSubmission, waitFor } from '../helpers/server.ts';
import { stalledUpload } from '../helpers/stalled.ts';
import { openMemoryLog } from '../log/fixtures.ts';

describe('BodyBudget', () => {
  it('reserves per token and in total, and releases each reservation once', () => {
    const b = new BodyBudget({ perTokenBytes: 100, totalBytes: 150 });
    const a1 = b.reserve('a', 60);
    assert.throws(() => b.reserve('a', 41), (e) => isStamplogError(e, 'PUSHBACK') && e.details?.retryAfterSeconds === 1);
    const a2 = b.reserve('a', 40);
    const c1 = b.reserve('c', 50);
    assert.throws(() => b.reserve('d', 1), (e) => isStamplogError(e, 'PUSHBACK'));
    assert.equal(b.reserved, 150);
    assert.equal(b.reservedBy('a'), 100);
    a1();
    a1();
    assert.equal(b.reserved, 90);
    assert.equal(b.reservedBy('a'), 40);
    b.reserve('d', 0)();
    a2();
    c1();
    assert.equal(b.reserved, 0);
    assert.equal(b.reservedBy('a'), 0);
  });

  it('refuses as TOO_LARGE a body that could never fit', () => {
    const b = new BodyBudget({ perTokenBytes: 100, totalBytes: 150 });
    assert.throws(() => b.reserve('a', 101), (e) => isStamplogError(e, 'TOO_LARGE'));
    assert.equal(b.reserved, 0);
  });

  it('takes the defaults and refuses limits that are not positive integers', () => {
    assert.deepEqual(new BodyBudget().limits, DEFAULT_BODY_LIMITS);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new BodyBudget({ idleTimeoutMs: bad }), (e) => isStamplogError(e, 'MALFORMED'));
    }
  });

  it('reserves the announced length of a plain body, the limit for a chunked or encoded one', () => {
    assert.equal(bodyReservation({ 'content-length': '500' }, 1000), 500);
    assert.equal(bodyReservation({ 'content-length': '500', 'content-encoding': 'identity' }, 1000), 500);
    assert.equal(bodyReservation({ 'content-length': '500', 'content-encoding': 'gzip' }, 1000), 1000);
    assert.equal(bodyReservation({ 'transfer-encoding': 'chunked' }, 1000), 1000);
    assert.equal(bodyReservation({}, 1000), 0);
    assert.equal(bodyReservation({ 'content-length': '1001' }, 1000), 0);
  });
});

const SECRETS = { alice: 'alice-secret-0123456789', bob: 'bob-secret-0123456789ab', carol: 'carol-secret-0123456789' };
const limits = { perTokenBytes: 100_000, totalBytes: 150_000, readTimeoutMs: 1_500, idleTimeoutMs: 400 };

// The fast path takes a plain application/json body; a media type parameter it does not know sends the same
// request to express, whose body-parser accepts it.
for (const [name, contentType] of [
  ['fast path', 'application/json'],
  ['express', 'application/json; profile=x'],
] as const) {
  describe(`append bodies under the budget (${name})`, { timeout: 30_000 }, async () => {
    const { log } = await openMemoryLog();
    const budget = new BodyBudget(limits);
    const tokens = Object.entries(SECRETS).map(([n, s]) => parseToken(`${n}:${s}`));
    const server = createServer(createHandler({ log, tokens, bodyBudget: budget }));
    server.keepAliveTimeout = 500;
    const url = await listenLoopback(server);
    const port = Number(new URL(url).port);
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const headers = (who: keyof typeof SECRETS) => ({ 'content-type': contentType, authorization: `Bearer ${SECRETS[who]}` });
    const E = '/api/v1/entries';
    const B = '/api/v1/entries/batch';
    const drained = () => waitFor(() => budget.reserved === 0, 'the budget to return to 0', 5_000);

    it('answers a successful append and releases its reservation', async () => {
      const body = Buffer.from(JSON.stringify(makeSubmission(1, { salt: name })));
      const up = stalledUpload(port, { path: E, headers: headers('alice'), declaredLength: body.length, sent: body });
      const a = await up.answer;
      assert.equal(a?.status, 201, a?.text);
      await drained();
    });

    it('answers a stalled body 408 after the idle timeout, closes its connection and releases it', async () => {
      const up = stalledUpload(port, { path: E, headers: headers('alice'), declaredLength: 60_000, sent: Buffer.from('{"kind":') });
      await waitFor(() => budget.reserved === 60_000, 'the reservation');
      const a = await up.answer;
      assert.equal(a?.status, 408, a?.text);
      assert.equal(a?.json?.code, 'TIMEOUT');
      assert.equal(a?.headers.connection, 'close');
      assert.ok(a.afterMs >= limits.idleTimeoutMs && a.afterMs < limits.readTimeoutMs, `answered after ${a.afterMs} ms`);
      await drained();
    });

    it('answers 408 at the read timeout a body that trickles in without ever pausing long', async () => {
      const up = stalledUpload(port, { path: E, headers: headers('alice'), declaredLength: 60_000, sent: Buffer.from(' ') });
      const trickle = setInterval(() => up.write(Buffer.from(' ')), 100);
      try {
        const a = await up.answer;
        assert.equal(a?.status, 408, a?.text);
        assert.ok(a.afterMs >= limits.readTimeoutMs, `answered after ${a.afterMs} ms`);
      } finally {
        clearInterval(trickle);
      }
      await drained();
    });

    it('refuses at once, 503 with Retry-After, what exceeds a token\'s share or the total, and takes it again once released', async () => {
      const held = stalledUpload(port, { path: B, headers: headers('alice'), declaredLength: 60_000, sent: Buffer.from('{') });
      await waitFor(() => budget.reservedBy('alice') === 60_000, 'alice\'s reservation');
      const more = await stalledUpload(port, { path: B, headers: headers('alice'), declaredLength: 60_000, sent: Buffer.from('{') }).answer;
      assert.equal(more?.status, 503, more?.text);
      assert.equal(more?.json?.code, 'PUSHBACK');
      assert.equal(more?.headers['retry-after'], '1');
      assert.ok(more.afterMs < limits.idleTimeoutMs, `refused after ${more.afterMs} ms`);
      // Another token still has room, until the total is reached.
      const bob = stalledUpload(port, { path: B, headers: headers('bob'), declaredLength: 60_000, sent: Buffer.from('{') });
      await waitFor(() => budget.reserved === 120_000, 'bob\'s reservation');
      const carol = await stalledUpload(port, { path: B, headers: headers('carol'), declaredLength: 60_000, sent: Buffer.from('{') }).answer;
      assert.equal(carol?.status, 503, carol?.text);
      assert.equal(carol?.json?.code, 'PUSHBACK');
      // An aborted upload gives its share back at once.
      held.destroy();
      bob.destroy();
      await drained();
      const body = Buffer.from(JSON.stringify({ entries: [makeSubmission(2, { salt: name })] }));
      const ok = await stalledUpload(port, { path: B, headers: headers('carol'), declaredLength: body.length, sent: body }).answer;
      assert.equal(ok?.status, 200, ok?.text);
      assert.equal(await held.answer, undefined);
      await drained();
    });

    it('reads off and discards the body of a refused request, then leaves the idle connection to node\'s keep-alive timeout', async () => {
      const held = stalledUpload(port, { path: B, headers: headers('alice'), declaredLength: 100_000, sent: Buffer.from('{') });
      await waitFor(() => budget.reservedBy('alice') === 100_000, 'alice\'s reservation');
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
      const h = headers('alice');
      socket.write(`POST ${B} HTTP/1.1\r\nHost: x\r\nContent-Type: ${h['content-type']}\r\nAuthorization: ${h.authorization}\r\nContent-Length: 50000\r\n\r\n`);
      await waitFor(() => received.includes('\r\n\r\n'), 'the refusal');
      assert.match(received, /^HTTP\/1\.1 503 /);
      assert.match(received, /\r\nretry-after: 1\r\n/i);
      assert.doesNotMatch(received, /\r\nconnection: close\r\n/i);
      socket.write(Buffer.alloc(50_000, 0x20));
      const sent = Date.now();
      const timer = setTimeout(() => socket.destroy(), 5_000);
      const at = await closed;
      clearTimeout(timer);
      assert.ok(at - sent < 5_000, `closed ${at - sent} ms after the body`);
      held.destroy();
      await drained();
    });

    it('refuses as TOO_LARGE an announced body the budget could never hold', async () => {
      const a = await stalledUpload(port, { path: B, headers: headers('alice'), declaredLength: 150_001, sent: Buffer.from('{') }).answer;
      assert.equal(a?.status, 413, a?.text);
      assert.equal(a?.json?.code, 'TOO_LARGE');
      await drained();
    });

    it('releases after a malformed body', async () => {
      const bad = Buffer.from('{"kind": ');
      const a = await stalledUpload(port, { path: E, headers: headers('alice'), declaredLength: bad.length, sent: bad }).answer;
      assert.equal(a?.status, 400, a?.text);
      await drained();
    });

    if (name === 'express') {
      it('reserves the body limit for a chunked body and for a gzip one, and answers them', async () => {
        const body = Buffer.from(JSON.stringify(makeSubmission(3, { salt: name })));
        const chunked = stalledUpload(port, { path: E, headers: { ...headers('alice'), 'transfer-encoding': 'chunked' }, sent: body.subarray(0, 10) });
        await waitFor(() => budget.reserved === 64 * 1024, 'the chunked body\'s reservation');
        const gz = gzipSync(body);
        const gzip = stalledUpload(port, { path: E, headers: { ...headers('bob'), 'content-encoding': 'gzip' }, declaredLength: gz.length + 1000, sent: gz.subarray(0, 10) });
        await waitFor(() => budget.reserved === 2 * 64 * 1024, 'the gzip body\'s reservation');
        chunked.destroy();
        const a = await gzip.answer;
        assert.equal(a?.status, 408, a?.text);
        await drained();
      });

      it('answers a stalled unauthenticated body 408 at the idle timeout without reserving', async () => {
        const up = stalledUpload(port, { path: E, headers: { 'content-type': contentType, authorization: 'Bearer wrong-token-0123456789' }, declaredLength: 1000, sent: Buffer.from('{') });
        const a = await up.answer;
        assert.equal(a?.status, 408, a?.text);
        assert.ok(a.afterMs >= limits.idleTimeoutMs && a.afterMs < limits.readTimeoutMs, `answered after ${a.afterMs} ms`);
        assert.equal(budget.reserved, 0);
      });
    }
  });
}

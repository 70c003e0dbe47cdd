import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { getBuffer } from '../../src/client/httpget.ts';

describe('getBuffer (keep-alive GETs with getBytes\'s bounds)', () => {
  let server: Server;
  let url = '';
  before(async () => {
    server = createServer((req, res) => {
      switch (req.url) {
        case '/ok':
          res.end('hello');
          return;
        case '/chunked':
          res.write(Buffer.alloc(40_000, 1));
          setTimeout(() => res.end(Buffer.alloc(30_000, 2)), 5);
          return;
        case '/missing':
          res.statusCode = 404;
          res.end('no');
          return;
        case '/broken':
          res.statusCode = 500;
          res.end('oops');
          return;
        case '/moved':
          res.statusCode = 301;
          res.setHeader('location', '/ok');
          res.end();
          return;
        case '/big':
          res.setHeader('content-length', '2000');
          res.end(Buffer.alloc(2000));
          return;
        case '/stream-big':
          res.write(Buffer.alloc(1500));
          setTimeout(() => res.end(Buffer.alloc(1500)), 5);
          return;
        case '/slow':
          setTimeout(() => res.end('late'), 500);
          return;
        default:
          res.statusCode = 400;
          res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('returns the body of a 200, in one piece', async () => {
    assert.equal((await getBuffer(`${url}/ok`)).toString(), 'hello');
    const b = await getBuffer(`${url}/chunked`);
    assert.equal(b.length, 70_000);
    assert.equal(b[0], 1);
    assert.equal(b[69_999], 2);
  });

  it('NOT_FOUND for a 404, INTERNAL with the status for others, redirects not followed', async () => {
    await assert.rejects(getBuffer(`${url}/missing`), (e: Error & { code?: string; details?: { status?: number } }) => e.code === 'NOT_FOUND' && e.details?.status === 404);
    await assert.rejects(getBuffer(`${url}/broken`), (e: Error & { code?: string; details?: { status?: number } }) => e.code === 'INTERNAL' && e.details?.status === 500);
    await assert.rejects(getBuffer(`${url}/moved`), (e: Error & { code?: string; details?: { status?: number } }) => e.code === 'INTERNAL' && e.details?.status === 301);
  });

  it('TOO_LARGE for a body over the cap, declared or streamed', async () => {
    await assert.rejects(getBuffer(`${url}/big`, { maxBytes: 1000 }), (e: Error & { code?: string }) => e.code === 'TOO_LARGE');
    await assert.rejects(getBuffer(`${url}/stream-big`, { maxBytes: 2000 }), (e: Error & { code?: string }) => e.code === 'TOO_LARGE');
  });

  it('INTERNAL after the deadline, and for a refused connection or a bad URL', async () => {
    await assert.rejects(getBuffer(`${url}/slow`, { timeoutMs: 50 }), (e: Error & { code?: string }) => e.code === 'INTERNAL' && /timed out/.test(e.message));
    await assert.rejects(getBuffer('http://127.0.0.1:1/x', { timeoutMs: 2000 }), (e: Error & { code?: string }) => e.code === 'INTERNAL');
    await assert.rejects(getBuffer('ftp://example.test/x'), (e: Error & { code?: string }) => e.code === 'INTERNAL');
  });

  it('resends once on a fresh connection when a pooled one turns out closed', async () => {
    // A server that drops the second request on every connection, as when it closes an idle one just as the
    // client reuses it.
    const perSocket = new WeakMap<object, number>();
    let requests = 0;
    const flaky = createServer((req, res) => {
      requests++;
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n === 2) req.socket.destroy();
      else res.end('fresh');
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', () => r()));
    const at = `http://127.0.0.1:${(flaky.address() as { port: number }).port}/x`;
    try {
      assert.equal((await getBuffer(at)).toString(), 'fresh');
      assert.equal((await getBuffer(at)).toString(), 'fresh');
      assert.equal(requests, 3, 'the second GET was sent twice');
    } finally {
      flaky.closeAllConnections();
      await new Promise((r) => flaky.close(r));
    }
  });
});

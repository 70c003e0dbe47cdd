/**
 * LogClient against a scripted local HTTP server: retries of 503s (Retry-After), refusals and unreachable
 * logs as ServerErrors tagged `server`, answers of the wrong shape refused, search paging.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogClient, ServerError } from '../../src/client/http.ts';
import { failedCheck } from '../../src/verify/failure.ts';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

describe('LogClient', () => {
  let server: Server;
  let url: string;
  let route: Route = (_req, res) => res.end();
  let hits = 0;

  before(async () => {
    server = createServer((req, res) => {
      hits++;
      route(req, res);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((ok) => server.close(() => ok())));

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

  it('retries 503 answers, honouring Retry-After, then succeeds', async () => {
    hits = 0;
    route = (_req, res) => (hits <= 2 ? json(res, 503, { detail: 'busy' }, { 'retry-after': '0' }) : json(res, 200, { from: 1, to: 1, proof: [] }));
    assert.deepEqual(await new LogClient(url, { retries: 3 }).consistencyProof(1, 1), []);
    assert.equal(hits, 3);
  });

  it('gives up after `retries`, and a refusal is a ServerError with the status and the problem detail', async () => {
    route = (_req, res) => json(res, 503, { detail: 'busy' }, { 'retry-after': '0' });
    await assert.rejects(new LogClient(url, { retries: 1 }).info(), (e) => e instanceof ServerError && e.status === 503 && failedCheck(e) === 'server');
    route = (_req, res) => json(res, 404, { detail: 'size 9 is beyond the published tree size 3' });
    await assert.rejects(new LogClient(url).consistencyProof(3, 9), (e) => e instanceof ServerError && e.status === 404 && /beyond the published tree size/.test(e.message));
  });

  it('an unreachable log is a ServerError without a status', async () => {
    const dead = new LogClient('http://127.0.0.1:9', { retries: 0 });
    await assert.rejects(dead.info(), (e) => e instanceof ServerError && e.status === undefined && /cannot reach the log/.test(e.message));
  });

  it('refuses answers of the wrong shape', async () => {
    route = (_req, res) => json(res, 200, { proof: ['not base64 of 32 bytes'] });
    await assert.rejects(new LogClient(url).inclusionProof(0, 1), /malformed/);
    route = (_req, res) => res.writeHead(200).end('<html>');
    await assert.rejects(new LogClient(url).info(), /not JSON/);
    route = (_req, res) => json(res, 200, { receipts: [] });
    await assert.rejects(new LogClient(url, { token: 't' }).appendBatch([{ kind: 'artifact', subject: { project: 'p', version: 'v', filename: 'f', sha256: '0'.repeat(64), size: 1 } }]), /malformed/);
  });

  it('pages through search results with `after`, and refuses indexes that do not ascend', async () => {
    const entry = (i: number) => ({ index: i, leafHash: 'ab'.repeat(32), entry: { v: 1 } });
    route = (req, res) => {
      const after = new URL(req.url ?? '/', url).searchParams.get('after');
      if (after === null) json(res, 200, { entries: [entry(1), entry(4)], next: 4 });
      else if (after === '4') json(res, 200, { entries: [entry(7)], next: null });
      else json(res, 400, { detail: 'bad after' });
    };
    assert.deepEqual(
      (await new LogClient(url).searchAll({ filename: 'x' })).map((h) => h.index),
      [1, 4, 7],
    );
    route = (_req, res) => json(res, 200, { entries: [entry(5), entry(2)], next: null });
    await assert.rejects(new LogClient(url).searchAll({ sha256: 'ab'.repeat(32) }), /not ascending/);
  });

  it('refuses a URL that is not http(s), and appends without a token', () => {
    assert.throws(() => new LogClient('ftp://x'), (e) => failedCheck(e) === 'usage');
    assert.throws(() => new LogClient('not a url'), (e) => failedCheck(e) === 'usage');
    return assert.rejects(new LogClient(url).append({ kind: 'artifact', subject: { project: 'p', version: 'v', filename: 'f', sha256: '0'.repeat(64), size: 1 } }), /token is required/);
  });
});

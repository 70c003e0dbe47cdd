/**
 * Bounded GETs over node:http(s) with keep-alive connections, for the many small requests of following a log
 * (an audit of 10^6 leaves reads ~4,000 entry bundles). Same contract as fetch.ts's getBytes: a deadline for
 * the whole request, a cap on the body, no redirects followed; NOT_FOUND for a 404, TOO_LARGE for a body over
 * the cap, INTERNAL (details: url, status) for any other status, a timeout or a network error.
 *
 * Why not global fetch: on this workload undici's WHATWG streams cost ~0.6 ms of CPU per 45 KB bundle, four
 * times what node:http needs, and that CPU is taken from the audit itself.
 *
 * A pooled connection that the server closed while idle fails on reuse (ECONNRESET): such a request is sent
 * once more on a fresh connection, as Node's documentation recommends for idempotent requests.
 */
import http from 'node:http';
import https from 'node:https';
import { StamplogError } from '../src/base/errors.ts';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from './fetch.ts';
import type { FetchOptions } from './fetch.ts';

// Idle pooled sockets are unref'd by the agents, so they never keep the process alive.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

function failure(url: string, message: string, cause?: unknown, status?: number): StamplogError {
  return new StamplogError('INTERNAL', `${url}: ${message}`, { cause, details: { url, ...(status === undefined ? {} : { status }) } });
}

function once(url: string, target: URL, opts: FetchOptions, maxBytes: number): Promise<{ body: Buffer; reused: false } | { error: unknown; reused: boolean }> {
  return new Promise((resolve) => {
    const proto = target.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (v: { body: Buffer; reused: false } | { error: unknown; reused: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    let req: http.ClientRequest | undefined;
    // The deadline covers the whole exchange, body included (as fetch.ts's).
    const timer = setTimeout(() => {
      done({ error: failure(url, `request failed: timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`), reused: false });
      req?.destroy();
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onResponse = (res: http.IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        const e =
          status === 404 ? new StamplogError('NOT_FOUND', `${url}: 404`, { details: { url, status: 404 } }) : failure(url, `HTTP ${status}`, undefined, status);
        done({ error: e, reused: false });
        return;
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > maxBytes) {
        res.destroy();
        done({ error: new StamplogError('TOO_LARGE', `${url}: body of ${declared} bytes exceeds ${maxBytes}`), reused: false });
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: Buffer) => {
        total += c.length;
        if (total > maxBytes) {
          res.destroy();
          done({ error: new StamplogError('TOO_LARGE', `${url}: body exceeds ${maxBytes} bytes`), reused: false });
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => done({ body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total), reused: false }));
      res.on('error', (e) => done({ error: failure(url, `reading the body failed: ${e.message}`, e), reused: false }));
      res.on('close', () => {
        if (!res.complete) done({ error: failure(url, 'reading the body failed: connection closed'), reused: false });
      });
    };
    try {
      req = proto.get(target, { agent: agents[target.protocol as 'http:' | 'https:'], headers: opts.headers ?? {} }, onResponse);
    } catch (e) {
      done({ error: e, reused: false });
      return;
    }
    const sent = req;
    sent.on('error', (e: NodeJS.ErrnoException) => done({ error: e, reused: sent.reusedSocket && e.code === 'ECONNRESET' }));
  });
}

/** GETs `url` and returns the body of a 200 (see the module comment for failures). */
export async function getBuffer(url: string, opts: FetchOptions = {}): Promise<Buffer> {
  let target: URL;
  try {
    target = new URL(url);
  } catch (e) {
    throw failure(url, 'request failed: not a URL', e);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw failure(url, `request failed: unsupported protocol ${target.protocol}`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  for (let attempt = 0; ; attempt++) {
    const r = await once(url, target, opts, maxBytes);
    if ('body' in r) return r.body;
    if (r.error instanceof StamplogError) throw r.error;
    if (r.reused && attempt === 0) continue;
    const m = r.error instanceof Error ? r.error.message : String(r.error);
    throw failure(url, `request failed: ${m}`, r.error);
  }
}

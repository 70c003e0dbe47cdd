/**
 * Bounded GETs over node:http(s) with keep-alive connections, for the many small requests of following a log
 * (an audit reads every entry bundle). Same contract as fetch.ts: a deadline for the whole request, a cap on
 * the body, no redirects followed; NOT_FOUND for a 404, TOO_LARGE for a body over the cap, INTERNAL (details:
 * url, status) for any other status, a timeout or a network error.
 *
 * Why not global fetch: on this workload undici's WHATWG streams cost several times the CPU per bundle that
 * node:http needs, and that CPU is taken from the audit itself.
 *
 * A pooled connection that the server closed while idle fails on reuse (ECONNRESET): such a request is sent
 * once more on a fresh connection, as Node's documentation recommends for idempotent requests.
 */
import type * as http from 'node:http';
import { StamplogError } from '../base/index.ts';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, httpFailure, statusFailure } from './fetch.ts';
import type { FetchOptions } from './fetch.ts';

/** A protocol module (node:http or node:https) and its keep-alive agent. */
interface Client {
  get: typeof http.get;
  agent: http.Agent;
}

/**
 * The clients, loaded on the first request of their protocol: a command that loads this module but reads no
 * tiles (the CLI's `verify` through src/client's index) pays nothing for node:http, nor for the TLS that
 * node:https brings. Idle pooled sockets are unref'd by the agents, so they never keep the process alive.
 */
const clients = new Map<string, Promise<Client>>();
function clientFor(protocol: 'http:' | 'https:'): Promise<Client> {
  let c = clients.get(protocol);
  if (c === undefined) {
    c = (protocol === 'https:' ? import('node:https') : import('node:http')).then((m) => ({ get: m.get, agent: new m.Agent({ keepAlive: true, maxSockets: 64 }) }));
    clients.set(protocol, c);
  }
  return c;
}

/**
 * The body of `msg` (a request received or a response read over node:http), refused past `maxBytes`: a
 * declared Content-Length over the cap rejects at once, before any byte is read (what becomes of the
 * connection is the caller's choice); a body that streams past the cap is destroyed there. Either rejection is
 * TOO_LARGE naming `what`. A stream error, or a connection closed before the body's end, rejects with that.
 */
export function readIncomingCapped(msg: http.IncomingMessage, maxBytes: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(msg.headers['content-length'] ?? NaN);
    if (declared > maxBytes) {
      reject(new StamplogError('TOO_LARGE', `${what}: body of ${declared} bytes exceeds ${maxBytes}`));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let over = false;
    msg.on('data', (c: Buffer) => {
      if (over) return;
      total += c.length;
      if (total > maxBytes) {
        over = true;
        reject(new StamplogError('TOO_LARGE', `${what}: body exceeds ${maxBytes} bytes`));
        msg.destroy();
        return;
      }
      chunks.push(c);
    });
    msg.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)));
    msg.on('error', reject);
    msg.on('close', () => {
      if (!msg.complete) reject(new Error('connection closed'));
    });
  });
}

type Outcome = { body: Buffer; reused: false } | { error: unknown; reused: boolean };

function once(url: string, target: URL, opts: FetchOptions, maxBytes: number, client: Client): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    let req: http.ClientRequest | undefined;
    // The deadline covers the whole exchange, body included (as fetch.ts's).
    const timer = setTimeout(() => {
      done({ error: httpFailure(url, `request failed: timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`), reused: false });
      req?.destroy();
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onResponse = (res: http.IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        done({ error: statusFailure(url, status), reused: false });
        return;
      }
      readIncomingCapped(res, maxBytes, url).then(
        (body) => done({ body, reused: false }),
        (e: unknown) => {
          if (e instanceof StamplogError) {
            res.destroy(); // a declared body over the cap: not worth draining
            done({ error: e, reused: false });
          } else done({ error: httpFailure(url, `reading the body failed: ${e instanceof Error ? e.message : String(e)}`, e), reused: false });
        },
      );
    };
    try {
      req = client.get(target, { agent: client.agent, headers: opts.headers ?? {} }, onResponse);
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
    throw httpFailure(url, 'request failed: not a URL', e);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw httpFailure(url, `request failed: unsupported protocol ${target.protocol}`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const client = await clientFor(target.protocol);
  for (let attempt = 0; ; attempt++) {
    const r = await once(url, target, opts, maxBytes, client);
    if ('body' in r) return r.body;
    if (r.error instanceof StamplogError) throw r.error;
    if (r.reused && attempt === 0) continue;
    const m = r.error instanceof Error ? r.error.message : String(r.error);
    throw httpFailure(url, `request failed: ${m}`, r.error);
  }
}

/**
 * The monitor's HTTP interface (node:http), wiring only:
 *
 *   POST /add-checkpoint        C2SP tlog-witness (witness.ts), when a witness is configured
 *   GET  /gossip/<origin>       this monitor's checkpoints for a log (gossip.ts)
 *   POST /gossip                checkpoints and evidence from a peer (JSON, ≤ 4 MiB)
 *   GET  /evidence              every stored evidence file (evidencelog.ts)
 *   GET  /healthz               "ok"
 *
 * Bodies are read up to a cap (413 beyond); malformed JSON is 400; an unknown path is 404, a wrong method 405.
 * Local state corruption is 500 and reported through `onFatal` (the daemon stops).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStamplogError } from '../src/base/errors.ts';
import type { EvidenceLog } from './evidencelog.ts';
import type { Gossip } from './gossip.ts';
import { MAX_BODY_BYTES } from './witness.ts';
import type { Witness } from './witness.ts';

const MAX_GOSSIP_BODY = 4 << 20;

export interface MonitorServerDeps {
  witness?: Witness;
  gossip: Gossip;
  evidence: EvidenceLog;
  onFatal?: (e: unknown) => void;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > max) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (c: Buffer) => {
      total += c.length;
      if (total > max) {
        reject(new TooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

const json = (res: ServerResponse, status: number, v: unknown) => send(res, status, 'application/json', JSON.stringify(v));

/** Builds the request handler. */
export function monitorHandler(deps: MonitorServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/add-checkpoint') {
      if (deps.witness === undefined) return send(res, 404, 'text/plain', 'no witness here\n');
      if (method !== 'POST') return send(res, 405, 'text/plain', 'POST only\n');
      const a = await deps.witness.addCheckpoint(await readBody(req, MAX_BODY_BYTES));
      return send(res, a.status, a.contentType, a.body);
    }
    if (path === '/gossip') {
      if (method !== 'POST') return send(res, 405, 'text/plain', 'POST only\n');
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readBody(req, MAX_GOSSIP_BODY)));
      } catch (e) {
        if (e instanceof TooLarge) throw e;
        return json(res, 400, { error: 'body is not JSON' });
      }
      try {
        return json(res, 200, await deps.gossip.handlePost(body, `peer ${req.socket.remoteAddress ?? '?'}`));
      } catch (e) {
        if (isStamplogError(e, 'MALFORMED')) return json(res, 400, { error: e.message });
        throw e;
      }
    }
    if (path.startsWith('/gossip/')) {
      if (method !== 'GET') return send(res, 405, 'text/plain', 'GET only\n');
      let origin: string;
      try {
        origin = decodeURIComponent(path.slice('/gossip/'.length));
      } catch {
        return json(res, 400, { error: 'bad origin' });
      }
      return json(res, 200, { checkpoints: await deps.gossip.views(origin) });
    }
    if (path === '/evidence') {
      if (method !== 'GET') return send(res, 405, 'text/plain', 'GET only\n');
      return json(res, 200, { evidence: await deps.evidence.list() });
    }
    if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
    return send(res, 404, 'text/plain', 'not found\n');
  };
  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      if (e instanceof TooLarge) return send(res, 413, 'text/plain', 'request body too large\n');
      if (isStamplogError(e, 'CORRUPTION')) deps.onFatal?.(e);
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  };
}

/** Listens on host:port (port 0: any) and resolves with the server and its base URL. */
export async function listen(deps: MonitorServerDeps, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer(monitorHandler(deps));
  server.keepAliveTimeout = 5_000;
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const a = server.address() as AddressInfo;
  return { server, url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` };
}

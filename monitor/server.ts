/**
 * The monitor's HTTP interface (node:http), wiring only:
 *
 *   POST /add-checkpoint        C2SP tlog-witness (witness/), when a witness is configured
 *   GET  /gossip/<origin>       this monitor's checkpoints for a log (witness/gossip.ts)
 *   POST /gossip                checkpoints and evidence from a peer (JSON, ≤ 4 MiB)
 *   GET  /evidence              every stored evidence file (findings/evidencelog.ts)
 *   GET  /healthz               "ok"
 *
 * The witness answers as tlog-witness prescribes (witness/witness.ts). Every other failure is an RFC 9457
 * problem+json answer with the project's code → status table (src/base/problem.ts): a body over its cap is
 * 413, malformed JSON or gossip 400, an unknown path 404, a wrong method 405 (with Allow), local state
 * corruption 503 (and reported through `onFatal`: the daemon stops), anything else 500.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StamplogError, isStamplogError, sendProblemNode } from '../src/base/index.ts';
import { readIncomingCapped } from '../src/client/index.ts';
import { MAX_ADD_CHECKPOINT_BYTES } from '../src/note/index.ts';
import type { EvidenceLog } from './findings/index.ts';
import type { Gossip, Witness } from './witness/index.ts';

const MAX_GOSSIP_BODY = 4 << 20;

export interface MonitorServerDeps {
  witness?: Witness;
  gossip: Gossip;
  evidence: EvidenceLog;
  onFatal?: (e: unknown) => void;
}

async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const b = await readIncomingCapped(req, max, 'request body');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

const json = (res: ServerResponse, v: unknown) => send(res, 200, 'application/json', JSON.stringify(v));

/** NOT_FOUND carrying the methods `path` answers: sent as 405 with Allow (src/base/problem.ts). */
const wrongMethod = (path: string, allow: string) => new StamplogError('NOT_FOUND', `${path} answers ${allow} only`, { details: { allow } });

/** Builds the request handler. */
export function monitorHandler(deps: MonitorServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/add-checkpoint') {
      if (deps.witness === undefined) throw new StamplogError('NOT_FOUND', 'no witness here');
      if (method !== 'POST') throw wrongMethod(path, 'POST');
      const a = await deps.witness.addCheckpoint(await readBody(req, MAX_ADD_CHECKPOINT_BYTES));
      return send(res, a.status, a.contentType, a.body);
    }
    if (path === '/gossip') {
      if (method !== 'POST') throw wrongMethod(path, 'POST');
      const bytes = await readBody(req, MAX_GOSSIP_BODY);
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch {
        throw new StamplogError('MALFORMED', 'body is not JSON');
      }
      return json(res, await deps.gossip.handlePost(body, `peer ${req.socket.remoteAddress ?? '?'}`));
    }
    if (path.startsWith('/gossip/')) {
      if (method !== 'GET') throw wrongMethod('/gossip/<origin>', 'GET');
      let origin: string;
      try {
        origin = decodeURIComponent(path.slice('/gossip/'.length));
      } catch {
        throw new StamplogError('MALFORMED', 'bad origin');
      }
      return json(res, { checkpoints: await deps.gossip.views(origin) });
    }
    if (path === '/evidence') {
      if (method !== 'GET') throw wrongMethod(path, 'GET');
      return json(res, { evidence: await deps.evidence.list() });
    }
    if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
    throw new StamplogError('NOT_FOUND', 'not found');
  };
  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      if (isStamplogError(e, 'CORRUPTION')) deps.onFatal?.(e);
      if (res.headersSent) res.destroy();
      else sendProblemNode(res, e);
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

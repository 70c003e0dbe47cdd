/**
 * A fast path for the hottest read, `GET /api/v1/proofs/inclusion?index=I[&size=N]` (every `pip install` may
 * ask for one), served straight from node:http without express's routing and response layers, which cost
 * more than the proof itself. It answers only well-formed requests that succeed, with exactly the bytes the
 * express handler would send; anything else (other routes, other parameters, any error) is left to the
 * express app, so that error shapes stay defined in one place (problem.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toBase64, canonicalDecimal } from '../base/index.ts';
import type { TransparencyLog } from '../log/index.ts';

const PREFIX = '/api/v1/proofs/inclusion?';

/** Returns a handler that serves the fast path and answers true, or answers false to let express handle it. */
export function fastReads(log: TransparencyLog): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !url.startsWith(PREFIX)) return false;
    let index: number | undefined;
    let size: number | undefined;
    for (const part of url.slice(PREFIX.length).split('&')) {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1);
      const n = eq < 0 ? undefined : canonicalDecimal(value);
      if (n === undefined) return false;
      if (name === 'index' && index === undefined) index = n;
      else if (name === 'size' && size === undefined) size = n;
      else return false;
    }
    const published = log.readableSize;
    if (size === undefined) size = published;
    if (index === undefined || !Number.isSafeInteger(index) || !Number.isSafeInteger(size) || size > published || index >= size) return false;
    const proof = log.inclusionProof(index, size);
    const body = JSON.stringify({ index, size, proof: proof.map(toBase64) });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };
}

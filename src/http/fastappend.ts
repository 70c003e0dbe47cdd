/**
 * A fast path for the writes, `POST /api/v1/entries` (every upload to the index calls it) and
 * `POST /api/v1/entries/batch` (backfills, busy indexes), straight on node:http: express's routing, body-parser
 * and response layers cost more per request than sequencing the entry does (docs/benchmarks.md).
 *
 * The fast path takes a request only when its headers are the plain case: exactly that method and URL (for a
 * batch, no query string or exactly `?receipts=multiproof`), a Content-Type of application/json (charset absent
 * or UTF-8), no Content-Encoding, a Content-Length within the endpoint's limit, a valid bearer token, and a
 * server still listening. Everything else (a missing token, a gzip body, a chunked body, another media type, a
 * draining server) is decided before any body byte is read and left to the express app, whose answers stay the
 * single definition of those errors. A request it takes is admitted under the body budget (bodybudget.ts) before
 * its body is read, as express admits it. Once it has taken a request, it answers every outcome itself through
 * problem.ts, with the bytes express would send: the body is decoded as body-parser does (UTF-8, BOM stripped),
 * refused unless it is a JSON object or array ("strict") that names no member twice in one object, and then
 * follows exactly the express handler's steps (appends.ts: admit, append, the answer text).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StamplogError, toProblem } from '../base/index.ts';
import type { Submission } from '../leaf/index.ts';
import type { TransparencyLog } from '../log/index.ts';
import { APPEND_CONTENT_TYPE, MULTIPROOF_QUERY, appendBatch, appendOne, refuseDuplicateMembers } from './appends.ts';
import type { Admitted, AppendAnswer } from './appends.ts';
import { BodyBudget } from './bodybudget.ts';
import type { Metrics } from './metrics.ts';

const PATH = '/api/v1/entries';
const BATCH_PATH = '/api/v1/entries/batch';
const BATCH_MULTIPROOF_PATH = `${BATCH_PATH}${MULTIPROOF_QUERY}`;
const JSON_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;
const FIRST_CHAR = /^[ \t\n\r]*([^ \t\n\r])/;

export interface FastAppendDeps {
  log: TransparencyLog;
  /** Maps an Authorization header to the submitter's name; throws when it is not a valid token. */
  authenticate: (header: string | undefined) => string;
  /** Parses and checks one submission (schema and publisher signature), as the express handler does. */
  admit: (json: unknown) => Admitted;
  /** Parses and checks a batch body, as the express handler does. */
  admitBatch: (json: unknown) => Promise<Submission[]>;
  metrics: Metrics;
  /** The one-entry body limit, in bytes. */
  bodyLimit: number;
  /** The batch body limit, in bytes. */
  batchBodyLimit: number;
  /** The budget bodies are read under, shared with the express app; one of its own with the defaults if absent. */
  bodies?: BodyBudget;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Returns a handler that takes plain append requests (answering true) and leaves the rest to express (false). */
export function fastAppend(deps: FastAppendDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { log, metrics } = deps;
  const bodies = deps.bodies ?? new BodyBudget();
  const fail = (res: ServerResponse, e: unknown) => {
    const p = toProblem(e);
    metrics.problem(p.body.code);
    send(res, p.status, { ...p.headers, 'content-type': 'application/problem+json; charset=utf-8' }, JSON.stringify(p.body));
  };

  const single = async (json: unknown): Promise<AppendAnswer> => appendOne(log, metrics, deps.admit(json));
  const batch = async (json: unknown): Promise<AppendAnswer> => appendBatch(log, metrics, await deps.admitBatch(json));
  const batchMultiproof = async (json: unknown): Promise<AppendAnswer> => appendBatch(log, metrics, await deps.admitBatch(json), 'multiproof');

  const answer = async (res: ServerResponse, body: Buffer, respond: (json: unknown) => Promise<AppendAnswer>) => {
    try {
      // As body-parser: decode UTF-8 (BOM stripped), and in strict mode accept only an object or an array.
      const text = new TextDecoder('utf-8').decode(body);
      const first = FIRST_CHAR.exec(text)?.[1];
      let json: unknown;
      try {
        if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
        json = JSON.parse(text);
      } catch {
        throw new StamplogError('MALFORMED', 'request body is not valid JSON');
      }
      refuseDuplicateMembers(text);
      const a = await respond(json);
      // The answer is ASCII (src/base/json.ts): its latin1 bytes are its UTF-8 bytes, and copying them is cheaper.
      const bytes = typeof a.body === 'string' ? Buffer.from(a.body, 'latin1') : a.body;
      res.writeHead(a.status, { 'content-type': APPEND_CONTENT_TYPE, 'content-length': String(bytes.length) });
      res.end(bytes);
    } catch (e) {
      fail(res, e);
    }
  };

  return (req, res) => {
    const url = req.url;
    if (req.method !== 'POST' || (url !== PATH && url !== BATCH_PATH && url !== BATCH_MULTIPROOF_PATH)) return false;
    const isBatch = url !== PATH;
    const limit = isBatch ? deps.batchBodyLimit : deps.bodyLimit;
    const h = req.headers;
    const type = h['content-type'];
    if (type === undefined || !JSON_TYPE.test(type)) return false;
    if (h['content-encoding'] !== undefined && h['content-encoding'].toLowerCase() !== 'identity') return false;
    if (h['transfer-encoding'] !== undefined) return false;
    const length = Number(h['content-length']);
    if (!(Number.isSafeInteger(length) && length > 0 && length <= limit)) return false;
    if ((req.socket as unknown as { server?: { listening?: unknown } }).server?.listening === false) return false;
    let submitter: string;
    try {
      submitter = deps.authenticate(h.authorization);
    } catch {
      return false;
    }
    try {
      // The body is sent as is and announces its length: that is all it may hold.
      bodies.admit(req, res, submitter, length, (timeout) => fail(res, timeout));
    } catch (e) {
      fail(res, e);
      return true;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (c: Buffer) => {
      received += c.length;
      chunks.push(c);
    });
    req.on('end', () => {
      // node:http frames the body by Content-Length, so `received` equals it; the guard costs nothing.
      if (received > limit) fail(res, new StamplogError('TOO_LARGE', `request body exceeds ${limit} bytes`));
      else void answer(res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received), !isBatch ? single : url === BATCH_PATH ? batch : batchMultiproof);
    });
    return true;
  };
}

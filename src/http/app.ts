/**
 * The HTTP API (DESIGN §4) as an express app built from its dependencies: `createApp({ log, tokens })`.
 * Handlers are small functions over the log facade; every failure is a thrown StamplogError that
 * problem.ts turns into `application/problem+json`.
 *
 * Limits (documented in README "API limits"): JSON bodies ≤ 64 KiB for one entry and ≤ 8 MiB for a batch;
 * a batch holds 1 to 1,000 submissions; search pages hold ≤ 100 entries; text query parameters ≤ 1,024
 * characters; every number is a canonical decimal ≤ 2^53 − 1.
 */
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { StamplogError, toProblem } from '../base/index.ts';
import { entryToJSON, toBase64, toHex } from '../leaf/index.ts';
import type { AsyncSignatureVerifier } from './sigpool.ts';
import { parseTilePath, TILE_WIDTH } from '../merkle/index.ts';
import type { TransparencyLog, SearchField } from '../log/index.ts';
import { bearerAuthenticator } from './auth.ts';
import type { SubmitterToken } from './auth.ts';
import { optionalIndex, parseHash, parseIndex, parseText } from './params.ts';
import { Metrics } from './metrics.ts';
import { APPEND_CONTENT_TYPE, BATCH_MAX, appendBatch, appendOne, batchAdmitter, batchForm, refuseDuplicateMembers, submissionAdmitter } from './appends.ts';
import type { AppendAnswer } from './appends.ts';
import { BodyBudget, bodyReservation } from './bodybudget.ts';
import type { BodyLimits } from './bodybudget.ts';

export const LIMITS = Object.freeze({
  entryBodyBytes: 64 * 1024,
  batchBodyBytes: 8 * 1024 * 1024,
  batchMax: BATCH_MAX,
  searchPageMax: 100,
  queryTextMax: 1024,
});

export interface AppDeps {
  log: TransparencyLog;
  tokens: readonly SubmitterToken[];
  /** Witness policy text served by /api/v1/log (optional). */
  witnessPolicy?: string;
  /** Counters shared with the node:http fast paths (handler.ts); a fresh set by default. */
  metrics?: Metrics;
  /** Runs the Ed25519 equation of publisher signatures off this thread; on this thread by default. */
  verifySignature?: AsyncSignatureVerifier;
  /** Bounds on append bodies in flight (bodybudget.ts); DEFAULT_BODY_LIMITS for those not given. */
  bodyLimits?: Partial<BodyLimits>;
  /** The budget those bodies are read under, shared with the fast path (handler.ts); built from `bodyLimits` by default. */
  bodyBudget?: BodyBudget;
}

type Handler = (req: Request, res: Response) => Promise<void> | void;

/** Wraps a handler so that anything it throws becomes a problem response. */
function handle(h: Handler) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await h(req, res);
    } catch (e) {
      next(e);
    }
  };
}

function sendAnswer(res: Response, answer: AppendAnswer): void {
  res.status(answer.status).set('content-type', APPEND_CONTENT_TYPE).send(typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength));
}

function sendProblem(res: Response, error: unknown): void {
  const p = toProblem(error);
  res.status(p.status).set(p.headers).send(JSON.stringify(p.body));
}

/**
 * Turns the client errors of express and body-parser (http-errors with a 4xx `status`: bad JSON, too large,
 * unsupported charset, a body that does not inflate, a URL parameter that does not percent-decode) into our
 * error codes; anything else is left alone (and becomes INTERNAL).
 */
function clientError(e: unknown): unknown {
  if (typeof e !== 'object' || e === null) return e;
  const { type, status } = e as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large' || status === 413) {
    const limit = (e as { limit?: unknown }).limit;
    return new StamplogError('TOO_LARGE', typeof limit === 'number' ? `request body exceeds ${limit} bytes` : 'request body is too large');
  }
  if (type === 'entity.parse.failed') return new StamplogError('MALFORMED', 'request body is not valid JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return new StamplogError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body charset or content coding');
  if (e instanceof URIError) return new StamplogError('MALFORMED', 'request URL is not valid percent-encoding');
  if (typeof type === 'string') return new StamplogError('MALFORMED', 'request body could not be read');
  if (typeof status === 'number' && status >= 400 && status < 500) return new StamplogError('MALFORMED', 'request body could not be read');
  return e;
}

/**
 * The methods each endpoint answers (HEAD comes with GET); another method on a known path is refused with
 * 405 and an Allow header. `match` mirrors the routes below (routing is case-sensitive and strict).
 */
const ENDPOINTS: readonly { match: (path: string) => boolean; allow: string }[] = [
  { match: (p) => p === '/api/v1/entries' || p === '/api/v1/entries/batch', allow: 'POST' },
  {
    match: (p) =>
      ['/checkpoint', '/api/v1/log', '/api/v1/proofs/inclusion', '/api/v1/proofs/consistency', '/api/v1/search', '/healthz', '/metrics'].includes(p) ||
      /^\/api\/v1\/entries\/[^/]+$/.test(p) ||
      p.startsWith('/tile/'),
    allow: 'GET, HEAD',
  },
];

export function createApp(deps: AppDeps): express.Express {
  const { log } = deps;
  const authenticate = bearerAuthenticator(deps.tokens);
  const metrics = deps.metrics ?? new Metrics();
  const bodies = deps.bodyBudget ?? new BodyBudget(deps.bodyLimits);
  metrics.watchBodies(bodies);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // One URL per resource: `/API/V1/LOG` and `/checkpoint/` are not aliases (caches key on the exact URL).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  // Once the HTTP server has stopped listening (graceful shutdown), every answer closes its connection: a
  // keep-alive connection that was busy when server.close() was called would otherwise stay open for as long
  // as its client keeps sending (a retrying submitter, a polling monitor), and the shutdown would never end.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const server = (req.socket as unknown as { server?: { listening?: unknown } }).server;
    if (server?.listening === false) res.set('connection', 'close');
    next();
  });

  // A known path with a method it does not answer: 405 with Allow (RFC 9110 §15.5.6), before any route runs.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const endpoint = ENDPOINTS.find((e) => e.match(req.path));
    const allowed = endpoint?.allow.split(', ') ?? [];
    if (endpoint !== undefined && !allowed.includes(req.method)) {
      next(new StamplogError('NOT_FOUND', `${req.method} is not allowed here; use ${endpoint.allow}`, { details: { allow: endpoint.allow } }));
    } else {
      next();
    }
  });

  /** A JSON body that parsed, naming no member twice in one object (its raw bytes kept by `jsonBody`). */
  const requireJson = (req: Request) => {
    if (!req.is('application/json')) throw new StamplogError('UNSUPPORTED_MEDIA_TYPE', 'expected Content-Type: application/json');
    if (req.body === undefined) throw new StamplogError('MALFORMED', 'request body is empty');
    const raw = rawBodies.get(req);
    if (raw !== undefined) refuseDuplicateMembers(new TextDecoder('utf-8').decode(raw));
  };
  // body-parser's JSON.parse forgets duplicate member names: keep each request's raw bytes for requireJson.
  const rawBodies = new WeakMap<Request, Buffer>();
  const jsonBody = (limit: number) =>
    express.json({ limit, strict: true, type: 'application/json', verify: (req, _res, buf) => void rawBodies.set(req as Request, buf) });
  /** Answers `e` outside the middleware chain (a body-read timeout while body-parser still waits for the body). */
  const answerProblem = (res: Response, e: StamplogError) => {
    metrics.problem(e.code);
    sendProblem(res, e);
  };
  /**
   * Bearer authentication, before the body is parsed. A refused request's body is read off the wire first if
   * it announces at most `bodyLimit` bytes, so that the client (still sending) sees the 401 rather than a
   * reset connection; a larger or unannounced body is not read at all, and the connection is closed.
   */
  const auth = (bodyLimit: number) => (req: Request, res: Response, next: NextFunction) => {
    try {
      res_locals(req).submitter = authenticate(req.get('authorization'));
      next();
    } catch (e) {
      const announced = Number(req.get('content-length'));
      if (req.readableEnded || !(announced > 0 && announced <= bodyLimit)) {
        next(e);
        return;
      }
      let refused = false;
      const refuse = () => {
        if (!refused) next(e);
        refused = true;
      };
      // The body is read only to be discarded, but not for longer than any body may take.
      bodies.watch(req, res, (timeout) => answerProblem(res, timeout));
      req.once('end', refuse).once('error', refuse).once('close', refuse).resume();
    }
  };
  /**
   * Admits the body of an authenticated append under the body budget before it is read: refused at once
   * (PUSHBACK, or TOO_LARGE) when it does not fit, answered 408 when it does not arrive in time.
   */
  const budget = (bodyLimit: number) => (req: Request, res: Response, next: NextFunction) => {
    try {
      bodies.admit(req, res, res_locals(req).submitter ?? '', bodyReservation(req.headers, bodyLimit), (timeout) => answerProblem(res, timeout));
      next();
    } catch (e) {
      next(e);
    }
  };

  const admit = submissionAdmitter(deps.verifySignature);
  const admitBatch = batchAdmitter(deps.verifySignature);

  app.post(
    '/api/v1/entries',
    auth(LIMITS.entryBodyBytes),
    budget(LIMITS.entryBodyBytes),
    jsonBody(LIMITS.entryBodyBytes),
    handle(async (req, res) => {
      requireJson(req);
      sendAnswer(res, await appendOne(log, metrics, admit(req.body)));
    }),
  );

  app.post(
    '/api/v1/entries/batch',
    auth(LIMITS.batchBodyBytes),
    budget(LIMITS.batchBodyBytes),
    jsonBody(LIMITS.batchBodyBytes),
    handle(async (req, res) => {
      requireJson(req);
      const form = batchForm(new URL(req.originalUrl, 'http://localhost').search);
      sendAnswer(res, await appendBatch(log, metrics, await admitBatch(req.body), form));
    }),
  );

  /** A handler answering from the published checkpoint; PUSHBACK while a required witness quorum has cosigned none yet. */
  const fromPublished = (answer: (res: Response, cp: NonNullable<TransparencyLog['published']>) => void) => (_req: Request, res: Response) => {
    const cp = log.published;
    if (cp === undefined) sendProblem(res, new StamplogError('PUSHBACK', 'no checkpoint has been cosigned by the witness quorum yet', { details: { retryAfterSeconds: 1 } }));
    else answer(res, cp);
  };

  app.get(
    '/checkpoint',
    fromPublished((res, cp) => {
      res.set({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=2' }).send(cp.note);
    }),
  );

  // C2SP tlog-tiles: hash tiles and entry bundles. Full tiles never change: cache them forever.
  app.get(
    /^\/tile\//,
    handle(async (req, res) => {
      const { kind, tile } = parseTilePath(req.path.slice(1));
      const full = tile.width === TILE_WIDTH;
      const data = kind === 'entries' ? await log.entryBundle(tile.index, tile.width) : log.tile(tile);
      res
        .set({
          'content-type': 'application/octet-stream',
          'cache-control': full ? 'public, max-age=31536000, immutable' : 'public, max-age=60',
        })
        .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }),
  );

  app.get(
    '/api/v1/log',
    fromPublished((res, cp) => {
      res.json({
        origin: log.origin,
        size: cp.size,
        rootHash: toHex(cp.root),
        logKey: log.logVerifierKey,
        timestampKey: log.timestampVerifierKey,
        witnessPolicy: deps.witnessPolicy ?? null,
        witnessed: log.witnesses?.latest === undefined ? null : { size: log.witnesses.latest.size, witnesses: log.witnesses.latest.witnesses },
        checkpoint: cp.note,
        limits: LIMITS,
      });
    }),
  );

  app.get(
    '/api/v1/entries/:index',
    handle(async (req, res) => {
      const e = await log.entry(parseIndex(req.params.index, 'index'));
      res.json({ index: e.index, leaf: toBase64(e.leaf), leafHash: toHex(e.leafHash), entry: entryToJSON(e.entry) });
    }),
  );

  app.get(
    '/api/v1/proofs/inclusion',
    handle(async (req, res) => {
      const size = optionalIndex(req.query.size, 'size') ?? log.readableSize;
      let index: number;
      if (req.query.leafHash !== undefined) {
        if (req.query.index !== undefined) throw new StamplogError('MALFORMED', 'give either index or leafHash, not both');
        index = await log.indexOfLeafHash(parseHash(req.query.leafHash, 'leafHash'));
      } else {
        index = parseIndex(req.query.index, 'index');
      }
      const proof = log.inclusionProof(index, size);
      res.json({ index, size, proof: proof.map(toBase64) });
    }),
  );

  app.get(
    '/api/v1/proofs/consistency',
    handle((req, res) => {
      const from = parseIndex(req.query.from, 'from');
      const to = parseIndex(req.query.to, 'to');
      res.json({ from, to, proof: log.consistencyProof(from, to).map(toBase64) });
    }),
  );

  app.get(
    '/api/v1/search',
    handle(async (req, res) => {
      const q = req.query;
      const limit = Math.min(optionalIndex(q.limit, 'limit') ?? LIMITS.searchPageMax, LIMITS.searchPageMax);
      if (limit < 1) throw new StamplogError('MALFORMED', `limit: expected 1 to ${LIMITS.searchPageMax}`);
      const after = q.after === undefined ? -1 : parseIndex(q.after, 'after');
      const given = ['sha256', 'filename', 'project'].filter((k) => q[k] !== undefined);
      if (given.length !== 1) throw new StamplogError('MALFORMED', 'give exactly one of sha256, filename, project');
      let field: SearchField;
      let key: string;
      if (q.sha256 !== undefined) {
        field = 'sha256';
        key = toHex(parseHash(q.sha256, 'sha256'));
      } else if (q.filename !== undefined) {
        field = 'filename';
        key = parseText(q.filename, 'filename', LIMITS.queryTextMax);
      } else {
        const project = parseText(q.project, 'project', LIMITS.queryTextMax);
        if (q.version !== undefined) {
          field = 'projectVersion';
          key = `${project}\u0000${parseText(q.version, 'version', LIMITS.queryTextMax)}`;
        } else {
          field = 'project';
          key = project;
        }
      }
      if (q.version !== undefined && field !== 'projectVersion') throw new StamplogError('MALFORMED', 'version goes with project');
      const indexes = await log.search(field, key, after, limit);
      const entries = await Promise.all(
        indexes.map(async (i) => {
          const e = await log.entry(i);
          return { index: i, leafHash: toHex(e.leafHash), entry: entryToJSON(e.entry) };
        }),
      );
      const next = indexes.length === limit ? indexes[indexes.length - 1] : null;
      res.json({ entries, next });
    }),
  );

  // 200 only when appends would be taken now; otherwise the problem that refuses them (503: STORAGE_FULL,
  // STORAGE_FAILED, CORRUPTION, ROLLBACK, CLOCK_BEHIND, CLOCK_AHEAD), so that a load balancer or supervisor sees it.
  app.get('/healthz', (_req, res) => {
    const problem = log.failure ?? log.clockProblem;
    if (problem) sendProblem(res, problem);
    else res.json({ status: 'ok', size: log.checkpoint.size, published: log.published?.size ?? null, queue: log.queueLength });
  });

  app.get('/metrics', (_req, res) => {
    res.set('content-type', 'text/plain; version=0.0.4').send(metrics.render(log));
  });

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new StamplogError('NOT_FOUND', 'no such endpoint')));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Already answered (a body-read timeout, after which the body reader fails as its connection closes).
    if (res.headersSent) return;
    const e = err instanceof StamplogError ? err : clientError(err);
    metrics.problem(e instanceof StamplogError ? e.code : 'INTERNAL');
    sendProblem(res, e);
  });
  return app;
}

function res_locals(req: Request): { submitter?: string } {
  return req as unknown as { submitter?: string };
}

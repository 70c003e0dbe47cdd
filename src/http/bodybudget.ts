/**
 * Bounds on what append request bodies may hold while they are being read, so that clients that announce large
 * bodies and then send slowly (or stop) cannot make the server buffer without limit:
 *
 * - per request: the endpoint's body limit (app.ts LIMITS), enforced by the body readers themselves;
 * - per submitter token: `perTokenBytes` of bodies in flight at once, so one submitter cannot take the whole
 *   budget from the others;
 * - in total: `totalBytes` of bodies in flight at once, whoever sends them;
 * - in time: a body must arrive within `readTimeoutMs` of its request being admitted, with no pause longer
 *   than `idleTimeoutMs` between two of its pieces; otherwise the request is answered 408 (TIMEOUT) and its
 *   connection closed, which releases what it held.
 *
 * A request reserves, before any byte of its body is read and after its bearer token was checked (the
 * per-token cap needs the submitter's name), the most its body can occupy in memory: the announced
 * Content-Length when the body is sent as is, the endpoint's limit otherwise (a chunked body announces nothing,
 * and a content coding inflates to at most the limit). A reservation that does not fit is refused at once,
 * PUSHBACK (503 with Retry-After), without reading the body. What a request reserved is released when its
 * response closes: answered, failed, timed out, or its connection lost; a release happens at most once.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { StamplogError } from '../base/index.ts';

export interface BodyLimits {
  /** Most bytes of request bodies one submitter token may have in flight at once. */
  perTokenBytes: number;
  /** Most bytes of request bodies in flight at once, all submitters together. */
  totalBytes: number;
  /** Longest time, in ms, from a request's admission to the end of its body. */
  readTimeoutMs: number;
  /** Longest pause, in ms, between two pieces of a request's body. */
  idleTimeoutMs: number;
}

/**
 * The defaults: a submitter may have two full batch bodies (8 MiB each) in flight, the server eight; a body
 * must arrive within 30 s (an 8 MiB batch at about 2.2 Mbit/s) and never pause for 10 s.
 */
export const DEFAULT_BODY_LIMITS: Readonly<BodyLimits> = Object.freeze({
  perTokenBytes: 16 * 1024 * 1024,
  totalBytes: 64 * 1024 * 1024,
  readTimeoutMs: 30_000,
  idleTimeoutMs: 10_000,
});

/** The seconds a refused client is asked to wait: reservations last as long as one body read at most. */
const RETRY_AFTER_SECONDS = 1;

/** The bytes the body of a request with `headers` may come to hold, for an endpoint that takes at most `limit`. */
export function bodyReservation(headers: IncomingHttpHeaders, limit: number): number {
  const coding = headers['content-encoding'];
  const identity = coding === undefined || coding.toLowerCase() === 'identity';
  const announced = headers['content-length'] === undefined ? NaN : Number(headers['content-length']);
  if (headers['transfer-encoding'] !== undefined || !identity) return limit;
  // No body at all, or one the reader refuses unread (TOO_LARGE) because it announces more than the limit.
  if (!Number.isSafeInteger(announced) || announced > limit) return 0;
  return announced;
}

export class BodyBudget {
  readonly limits: Readonly<BodyLimits>;
  private total = 0;
  private readonly byToken = new Map<string, number>();
  private readonly watched = new Set<Watched>();
  private ticker: NodeJS.Timeout | undefined;

  /** A budget with `limits` (each a positive safe integer; the defaults for those not given). */
  constructor(limits: Partial<BodyLimits> = {}) {
    const l = { ...DEFAULT_BODY_LIMITS, ...limits };
    for (const [name, value] of Object.entries(l)) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new StamplogError('MALFORMED', `body limit ${name}: expected a positive integer, got ${String(value)}`);
    }
    this.limits = Object.freeze(l);
  }

  /** Bytes reserved by all requests in flight. */
  get reserved(): number {
    return this.total;
  }

  /** Bytes reserved by the requests in flight of submitter `token`. */
  reservedBy(token: string): number {
    return this.byToken.get(token) ?? 0;
  }

  /**
   * Reserves `bytes` for submitter `token` and returns the function that releases them (once, however often it
   * is called). Throws PUSHBACK when they do not fit now, TOO_LARGE when they never could.
   */
  reserve(token: string, bytes: number): () => void {
    const { perTokenBytes, totalBytes } = this.limits;
    if (bytes > perTokenBytes || bytes > totalBytes) {
      throw new StamplogError('TOO_LARGE', `a request body of ${bytes} bytes exceeds what this server reads at once (${Math.min(perTokenBytes, totalBytes)} bytes)`);
    }
    const mine = this.reservedBy(token);
    if (mine + bytes > perTokenBytes) {
      throw new StamplogError('PUSHBACK', `this submitter already has ${mine} bytes of request bodies in flight, and may have ${perTokenBytes}; retry later`, {
        details: { retryAfterSeconds: RETRY_AFTER_SECONDS },
      });
    }
    if (this.total + bytes > totalBytes) {
      throw new StamplogError('PUSHBACK', `the server is reading ${totalBytes} bytes of request bodies at most, and has ${this.total} in flight; retry later`, {
        details: { retryAfterSeconds: RETRY_AFTER_SECONDS },
      });
    }
    this.total += bytes;
    this.byToken.set(token, mine + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= bytes;
      const left = this.reservedBy(token) - bytes;
      if (left === 0) this.byToken.delete(token);
      else this.byToken.set(token, left);
    };
  }

  /**
   * Takes charge of the body of `req`, answered by `res`, for submitter `token`: arms the read timeouts
   * ({@link BodyBudget.watch}), then reserves `bytes` (throwing as {@link BodyBudget.reserve} does, before
   * anything is read; the caller answers that error) and releases them when `res` closes.
   */
  admit(req: IncomingMessage, res: ServerResponse, token: string, bytes: number, onTimeout: (e: StamplogError) => void): void {
    this.watch(req, res, onTimeout);
    const release = this.reserve(token, bytes);
    res.once('close', release);
  }

  /**
   * Arms the read timeouts of the body of `req` until it has been read to its end (or its connection closed).
   * When one expires: if `res` has not begun its answer, `onTimeout` is called with a TIMEOUT error to answer
   * (the answer closes the connection); if it has (a refusal sent before the body was read), the connection is
   * destroyed. Either way the body stops being read.
   */
  watch(req: IncomingMessage, res: ServerResponse, onTimeout: (e: StamplogError) => void): void {
    if (req.complete) return;
    const socket = req.socket;
    const now = performance.now();
    const w: Watched = { req, res, onTimeout, started: now, progressAt: now, bytesRead: socket.bytesRead, stop: () => undefined };
    w.stop = () => {
      this.watched.delete(w);
      req.off('end', w.stop);
      socket.off('close', w.stop);
      if (this.watched.size === 0 && this.ticker !== undefined) {
        clearInterval(this.ticker);
        this.ticker = undefined;
      }
    };
    req.once('end', w.stop);
    socket.once('close', w.stop);
    this.watched.add(w);
    if (this.ticker === undefined) {
      const { readTimeoutMs, idleTimeoutMs } = this.limits;
      this.ticker = setInterval(() => this.tick(), Math.max(5, Math.min(readTimeoutMs, idleTimeoutMs) / 10));
      this.ticker.unref();
    }
  }

  /**
   * Expires the watched bodies past a timeout. Progress is what the connection has read (node's parser reads
   * sockets without 'data' events, and a 'data' listener would take the body from its reader); the socket's
   * own idle timer is left to node, which re-arms it for keep-alive once an answer is sent.
   */
  private tick(): void {
    const { readTimeoutMs, idleTimeoutMs } = this.limits;
    const now = performance.now();
    for (const w of this.watched) {
      const socket = w.req.socket;
      if (socket.bytesRead !== w.bytesRead) {
        w.bytesRead = socket.bytesRead;
        w.progressAt = now;
      }
      if (now - w.started < readTimeoutMs && now - w.progressAt < idleTimeoutMs) continue;
      w.stop();
      if (w.res.headersSent || w.res.writableEnded) {
        socket.destroy();
        continue;
      }
      w.res.setHeader('connection', 'close');
      w.onTimeout(new StamplogError('TIMEOUT', `the request body did not arrive within ${readTimeoutMs} ms, or paused for ${idleTimeoutMs} ms`));
    }
  }
}

/** A body being read under the timeouts. */
interface Watched {
  req: IncomingMessage;
  res: ServerResponse;
  onTimeout: (e: StamplogError) => void;
  /** performance.now() at admission, and when the connection last read a byte. */
  started: number;
  progressAt: number;
  /** The connection's bytesRead when last looked at. */
  bytesRead: number;
  /** Stops watching (idempotent). */
  stop: () => void;
}

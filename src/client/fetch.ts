/**
 * Bounded HTTP over the global fetch, for talking to parties this process does not control (a log, a peer
 * monitor, a webhook): every request has a deadline and every body a size cap, so a slow or hostile server
 * cannot stall or exhaust the caller. Nothing fetched is trusted: callers verify signatures and hashes before
 * using it.
 *
 * Failures are StamplogErrors: NOT_FOUND for a 404, TOO_LARGE for a body over the cap, INTERNAL (details:
 * url, status) for any other status, a timeout or a network error. httpget.ts gives the same contract over
 * node:http keep-alive connections.
 */
import { StamplogError, readBodyCapped } from '../base/index.ts';

/** Default deadline of one request (ms). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default cap on a response body (bytes): an entry bundle of 256 leaves of 64 KiB, plus prefixes. */
export const DEFAULT_MAX_BYTES = 256 * 65_537;

/** Bounds of one request. */
export interface FetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
  headers?: Record<string, string>;
}

/** INTERNAL naming `url` (and `status`, when an answer came). */
export function httpFailure(url: string, message: string, cause?: unknown, status?: number): StamplogError {
  return new StamplogError('INTERNAL', `${url}: ${message}`, { cause, details: { url, ...(status === undefined ? {} : { status }) } });
}

/** The failure for a GET of `url` answered `status` (not 200): NOT_FOUND for 404, else INTERNAL. */
export function statusFailure(url: string, status: number): StamplogError {
  if (status === 404) return new StamplogError('NOT_FOUND', `${url}: 404`, { details: { url, status: 404 } });
  return httpFailure(url, `HTTP ${status}`, undefined, status);
}

/** The response to one request: status, headers and the (capped) body. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Sends one request and returns the answer whatever its status; throws only on timeout, network error or TOO_LARGE. */
export async function request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}, opts: FetchOptions = {}): Promise<HttpAnswer> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...opts.headers, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    throw httpFailure(url, `request failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  try {
    return { status: res.status, headers: res.headers, body: await readBodyCapped(res, url, opts.maxBytes ?? DEFAULT_MAX_BYTES) };
  } catch (e) {
    if (e instanceof StamplogError) throw e;
    throw httpFailure(url, `reading the body failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** Joins a base URL (no trailing slash needed) and a relative path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Bounded HTTP for the monitor (global fetch): every request has a deadline and every body a size cap, so a
 * slow or hostile log, peer or webhook cannot stall or exhaust the monitor. Nothing fetched is trusted: callers
 * verify signatures and hashes before using it.
 *
 * Failures are StamplogErrors: NOT_FOUND for a 404, TOO_LARGE for a body over the cap, INTERNAL (details:
 * url, status) for any other status, a timeout or a network error.
 */
import { StamplogError } from '../src/base/errors.ts';
import { readBodyCapped } from '../src/base/fetchbody.ts';

/** Default deadline of one request (ms). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default cap on a response body (bytes): an entry bundle of 256 leaves of 64 KiB, plus prefixes. */
export const DEFAULT_MAX_BYTES = 256 * 65_537;

export interface FetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
  headers?: Record<string, string>;
}

function failure(url: string, message: string, cause?: unknown, status?: number): StamplogError {
  return new StamplogError('INTERNAL', `${url}: ${message}`, { cause, details: { url, ...(status === undefined ? {} : { status }) } });
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
    throw failure(url, `request failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  try {
    return { status: res.status, headers: res.headers, body: await readBodyCapped(res, url, opts.maxBytes ?? DEFAULT_MAX_BYTES) };
  } catch (e) {
    if (e instanceof StamplogError) throw e;
    throw failure(url, `reading the body failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** GETs `url` and returns the body of a 200; NOT_FOUND for 404, INTERNAL for another status. */
export async function getBytes(url: string, opts: FetchOptions = {}): Promise<Uint8Array> {
  const a = await request(url, {}, opts);
  if (a.status === 404) throw new StamplogError('NOT_FOUND', `${url}: 404`, { details: { url, status: 404 } });
  if (a.status !== 200) throw failure(url, `HTTP ${a.status}`, undefined, a.status);
  return a.body;
}

/** GETs `url` as UTF-8 text (see getBytes). */
export async function getText(url: string, opts: FetchOptions = {}): Promise<string> {
  return new TextDecoder('utf-8', { fatal: false }).decode(await getBytes(url, opts));
}

/** Joins a base URL (no trailing slash needed) and a relative path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * A small HTTP client for the stamplog API (DESIGN §4), over the global `fetch`. It trusts nothing it
 * receives: answers are type-checked here and every proof, signature and checkpoint is verified by the
 * caller (truststore.ts, check.ts, receipt.ts). Failures are {@link ServerError}s tagged `server`:
 * `status` is the HTTP status, or undefined when the log could not be reached at all.
 *
 * Retries: appends are idempotent (the log deduplicates identical submissions and answers the original
 * index), and reads have no effect, so every request is retried on a network failure, a 503 or a 429, at
 * most `retries` times, waiting `Retry-After` (capped) or an exponential back-off. Each attempt is bounded
 * by `timeoutMs`.
 */
import { StamplogError, fromBase64, fromHex } from '../base/index.ts';
import type { ErrorCode } from '../base/index.ts';
import type { EntryJSON, SubmissionJSON } from '../leaf/index.ts';

/** A request the log refused or answered unusably, or a log that could not be reached. */
export class ServerError extends StamplogError {
  /** The HTTP status, or undefined when no answer arrived. */
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, status: number | undefined, cause?: unknown) {
    super(code, message, { cause, details: { check: 'server', status } });
    this.name = 'ServerError';
    this.status = status;
  }
}

/** `GET /api/v1/log`. */
export interface LogInfo {
  origin: string;
  size: number;
  logKey: string;
  timestampKey: string;
  checkpoint: string;
}

/** One append's answer (DESIGN §4). */
export interface ReceiptJSON {
  index: number;
  leafHash: string;
  entry: EntryJSON;
  proof: string;
  duplicate: boolean;
}

/** A batch append's answer in the multi-proof form (`?receipts=multiproof`), shape-checked but unverified. */
export interface MultiproofAnswer {
  /** The signed checkpoint note the proof is against. */
  checkpoint: string;
  /** One for each submission, in order; `leaf` (the logged leaf) on duplicates only. */
  entries: { index: number; time: number; duplicate: boolean; leaf?: Uint8Array }[];
  /** The multi-leaf inclusion proof of the distinct indexes, ascending (merkle/multiproof.ts). */
  proof: Uint8Array[];
}

/** The multi-proof answer in `j` (parsed JSON) for a batch of `count` submissions, or undefined if it has another shape. */
export function multiproofAnswer(j: unknown, count: number): MultiproofAnswer | undefined {
  if (!isObject(j) || typeof j.checkpoint !== 'string' || !Array.isArray(j.entries) || j.entries.length !== count) return undefined;
  const proof = proofHashes(j.proof, count * 64);
  if (proof === undefined) return undefined;
  const entries: MultiproofAnswer['entries'] = [];
  for (const e of j.entries as unknown[]) {
    if (!isObject(e) || !isIndex(e.index) || !isIndex(e.time) || typeof e.duplicate !== 'boolean') return undefined;
    if (!e.duplicate) {
      entries.push({ index: e.index, time: e.time, duplicate: false });
      continue;
    }
    const leaf = typeof e.leaf === 'string' ? fromBase64(e.leaf) : undefined;
    if (leaf === undefined) return undefined;
    entries.push({ index: e.index, time: e.time, duplicate: true, leaf });
  }
  return { checkpoint: j.checkpoint, entries, proof };
}

/** The hashes of a proof in an answer (`v`: an array of at most `max` base64 32-byte hashes), or undefined. */
function proofHashes(v: unknown, max: number): Uint8Array[] | undefined {
  if (!Array.isArray(v) || v.length > max) return undefined;
  const out: Uint8Array[] = [];
  for (const s of v as unknown[]) {
    const h = typeof s === 'string' ? fromBase64(s, 32) : undefined;
    if (h === undefined) return undefined;
    out.push(h);
  }
  return out;
}

/** One search result. */
export interface SearchHit {
  index: number;
  leafHash: string;
  entry: EntryJSON;
}

export type SearchQuery = { sha256: string } | { filename: string } | { project: string; version?: string };

export interface LogClientOptions {
  /** Bearer token for appends. */
  token?: string;
  /** Per-attempt timeout, ms (default 60,000). */
  timeoutMs?: number;
  /** Retries after a network failure, 503 or 429 (default 4). */
  retries?: number;
  /** Longest wait between attempts, ms (default 10,000). */
  maxBackoffMs?: number;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'MALFORMED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'INVALID_SIGNATURE',
  429: 'PUSHBACK',
  503: 'PUSHBACK',
};

/** Most search pages read for one query (100 entries each): a bound, not an expected size. */
export const MAX_SEARCH_PAGES = 10_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export class LogClient {
  readonly url: string;
  private readonly opts: Required<Omit<LogClientOptions, 'token'>> & { token?: string };

  /** A client of the log at `url` (scheme, host, port and an optional path prefix). */
  constructor(url: string, opts: LogClientOptions = {}) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new StamplogError('MALFORMED', `log URL ${JSON.stringify(url)} is not a URL`, { details: { check: 'usage' } });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new StamplogError('MALFORMED', `log URL ${JSON.stringify(url)}: expected http or https`, { details: { check: 'usage' } });
    }
    this.url = url.replace(/\/+$/, '');
    this.opts = { timeoutMs: 60_000, retries: 4, maxBackoffMs: 10_000, ...opts };
  }

  /** Sends one request (with retries); resolves with the parsed JSON or text of a 2xx answer. */
  private async request(path: string, init: { method?: string; body?: unknown; bodyText?: string; auth?: boolean; text?: boolean } = {}): Promise<unknown> {
    const url = `${this.url}${path}`;
    const headers: Record<string, string> = { accept: init.text ? 'text/plain' : 'application/json' };
    const body = init.bodyText ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (init.auth) {
      if (this.opts.token === undefined || this.opts.token === '') {
        throw new StamplogError('UNAUTHORIZED', 'a submitter token is required: --token or STAMPLOG_TOKEN', { details: { check: 'usage' } });
      }
      headers.authorization = `Bearer ${this.opts.token}`;
    }
    const what = `${init.method ?? 'GET'} ${url}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { method: init.method ?? 'GET', headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      } catch (e) {
        if (attempt < this.opts.retries) {
          await sleep(this.backoff(attempt, undefined));
          continue;
        }
        const why = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
        throw new ServerError('INTERNAL', `cannot reach the log: ${what}: ${why}`, undefined, e);
      }
      const text = await res.text().catch(() => '');
      if (res.ok) {
        if (init.text) return text;
        try {
          return JSON.parse(text) as unknown;
        } catch (e) {
          throw new ServerError('MALFORMED', `${what}: the log answered ${res.status} with a body that is not JSON`, res.status, e);
        }
      }
      if ((res.status === 503 || res.status === 429) && attempt < this.opts.retries) {
        await sleep(this.backoff(attempt, res.headers.get('retry-after')));
        continue;
      }
      let detail = text.slice(0, 500);
      try {
        const p = JSON.parse(text) as unknown;
        if (isObject(p) && typeof p.detail === 'string') detail = p.detail;
      } catch {
        // not a problem document: keep the text
      }
      throw new ServerError(STATUS_CODES[res.status] ?? 'INTERNAL', `the log refused ${what}: HTTP ${res.status}: ${detail}`, res.status);
    }
  }

  private backoff(attempt: number, retryAfter: string | null | undefined): number {
    const secs = retryAfter !== null && retryAfter !== undefined && /^\d{1,6}$/.test(retryAfter) ? Number(retryAfter) : undefined;
    const ms = secs !== undefined ? secs * 1000 : 200 * 2 ** attempt;
    return Math.min(ms, this.opts.maxBackoffMs);
  }

  private bad(what: string): ServerError {
    return new ServerError('MALFORMED', `the log's answer to ${what} is malformed`, 200);
  }

  /** `GET /api/v1/log`: origin, size, verifier keys and the newest checkpoint. */
  async info(): Promise<LogInfo> {
    const j = await this.request('/api/v1/log');
    if (!isObject(j) || typeof j.origin !== 'string' || !isIndex(j.size) || typeof j.logKey !== 'string' || typeof j.checkpoint !== 'string') {
      throw this.bad('/api/v1/log');
    }
    return { origin: j.origin, size: j.size, logKey: j.logKey, timestampKey: typeof j.timestampKey === 'string' ? j.timestampKey : '', checkpoint: j.checkpoint };
  }

  /** `GET /checkpoint`: the newest signed checkpoint note (unverified). */
  async checkpoint(): Promise<string> {
    return (await this.request('/checkpoint', { text: true })) as string;
  }

  private hashes(v: unknown, what: string): Uint8Array[] {
    const proof = isObject(v) ? proofHashes(v.proof, 64) : undefined;
    if (proof === undefined) throw this.bad(what);
    return proof;
  }

  /** The consistency proof between the trees of `from` and `to` leaves (1 ≤ from ≤ to), unverified. */
  async consistencyProof(from: number, to: number): Promise<Uint8Array[]> {
    const path = `/api/v1/proofs/consistency?from=${from}&to=${to}`;
    return this.hashes(await this.request(path), path);
  }

  /** The inclusion proof of leaf `index` in the tree of `size` leaves, unverified. */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    const path = `/api/v1/proofs/inclusion?index=${index}&size=${size}`;
    return this.hashes(await this.request(path), path);
  }

  /**
   * Every search hit for `query` (all pages, ascending index, at most `maxPages` pages), unverified; the
   * entry JSON is checked for shape only.
   */
  async searchAll(query: SearchQuery, maxPages = MAX_SEARCH_PAGES): Promise<SearchHit[]> {
    const params = new URLSearchParams(query as Record<string, string>);
    const out: SearchHit[] = [];
    let after: number | undefined;
    for (let page = 0; page < maxPages; page++) {
      const path = `/api/v1/search?${params.toString()}${after === undefined ? '' : `&after=${after}`}`;
      const j = await this.request(path);
      if (!isObject(j) || !Array.isArray(j.entries)) throw this.bad(path);
      for (const h of j.entries as unknown[]) {
        if (!isObject(h) || !isIndex(h.index) || typeof h.leafHash !== 'string' || fromHex(h.leafHash, 32) === undefined || !isObject(h.entry)) {
          throw this.bad(path);
        }
        if (after !== undefined && h.index <= after) throw this.bad(`${path} (indexes not ascending)`);
        out.push({ index: h.index, leafHash: h.leafHash, entry: h.entry as unknown as EntryJSON });
        after = h.index;
      }
      if (j.next === null || j.next === undefined || j.entries.length === 0) return out;
      if (!isIndex(j.next)) throw this.bad(path);
      after = j.next;
    }
    throw new ServerError('TOO_LARGE', `search ${params.toString()}: more than ${maxPages} pages`, 200);
  }

  private receipt(v: unknown, what: string): ReceiptJSON {
    if (!isObject(v) || !isIndex(v.index) || typeof v.proof !== 'string' || !isObject(v.entry)) throw this.bad(what);
    return {
      index: v.index,
      leafHash: typeof v.leafHash === 'string' ? v.leafHash : '',
      entry: v.entry as unknown as EntryJSON,
      proof: v.proof,
      duplicate: v.duplicate === true,
    };
  }

  /** `POST /api/v1/entries`: appends one submission; resolves with its (unverified) receipt. */
  async append(sub: SubmissionJSON): Promise<ReceiptJSON> {
    return this.receipt(await this.request('/api/v1/entries', { method: 'POST', body: sub, auth: true }), 'POST /api/v1/entries');
  }

  /** `POST /api/v1/entries/batch` (1 to 1,000 submissions): the (unverified) receipts in order. */
  async appendBatch(subs: readonly SubmissionJSON[]): Promise<ReceiptJSON[]> {
    const what = 'POST /api/v1/entries/batch';
    const j = await this.request('/api/v1/entries/batch', { method: 'POST', body: { entries: subs }, auth: true });
    if (!isObject(j) || !Array.isArray(j.receipts) || j.receipts.length !== subs.length) throw this.bad(what);
    return j.receipts.map((r: unknown) => this.receipt(r, what));
  }

  /**
   * `POST /api/v1/entries/batch?receipts=multiproof` with `body`, the JSON text `{"entries": [ … ]}` of `count`
   * submissions: the answer in the multi-proof form, shape-checked, unverified.
   */
  async appendBatchMultiproof(body: string, count: number): Promise<MultiproofAnswer> {
    const what = 'POST /api/v1/entries/batch?receipts=multiproof';
    const answer = multiproofAnswer(await this.request('/api/v1/entries/batch?receipts=multiproof', { method: 'POST', bodyText: body, auth: true }), count);
    if (answer === undefined) throw this.bad(what);
    return answer;
  }
}

/**
 * Test helpers for end-to-end and durability tests: a REAL `stamplog serve` process on loopback, plus small
 * HTTP helpers over global `fetch` and a generator of valid submissions.
 *
 *   const srv = await startServer();          // fresh temp data dir, one token, port chosen by the OS
 *   try { const r = await appendOne(srv, makeSubmission(0)); … } finally { await srv.kill(); }
 *
 * `startServer` spawns `node --import tsx src/cli/main.ts serve --listen 127.0.0.1:0 …` from the repo root and
 * waits (bounded by `startTimeoutMs`, default 20 s) for the `listening on` line; it rejects with the
 * process's output if the process exits first or the deadline passes. `stop(signal)` sends the signal and
 * resolves with the exit code (null if killed by a signal); `kill()` SIGKILLs it and, for data dirs that
 * startServer created itself, removes the directory. Every started process is also killed at process exit.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse, IncomingHttpHeaders } from 'node:http';
import { after } from 'node:test';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { signStatement, submissionToJSON } from '../../src/leaf/index.ts';
import type { Submission, SubmissionJSON } from '../../src/leaf/index.ts';

/** The repository root (where `src/cli/main.ts` lives). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface StartOptions {
  /** Data directory; default a fresh temp dir, removed by kill() (and by stop() only if `removeDataDir`). */
  dataDir?: string;
  /** Log origin; default `example.test/log`. */
  origin?: string;
  /** `name:secret` token specs; default one fresh random `alice:<secret>`. */
  tokens?: string[];
  /** Further arguments to `serve` (e.g. `['--batch-ms', '5']`). */
  extraArgs?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** How long to wait for the listening line (ms); default 20,000. */
  startTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  port: number;
  pid: number;
  /** The log's verifier key string as printed (`origin+<id>+<b64>`). */
  logKey: string;
  /** The timestamp (cosignature/v1) verifier key string as printed. */
  timestampKey: string;
  dataDir: string;
  /** The secret of the first token (what goes after `Bearer `). */
  token: string;
  /** Sends `signal` (default SIGTERM), waits (bounded, 30 s, then SIGKILL) for exit; resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILLs the process (if still running), waits for it, and removes a temp data dir created by startServer. */
  kill(): Promise<void>;
  /** Everything the process printed so far (stdout and stderr, interleaved as received). */
  output(): string;
  /** Resolves with the exit code (null if killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  readonly child: ChildProcess;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A fresh temporary directory (caller removes it, e.g. with removeDir). */
export function tempDir(prefix = 'stamplog-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** rm -rf that never throws. */
export function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    rmSync(`${dir}.checkpoint-lock`, { force: true }); // the server's default lock lives beside its data directory
  } catch {
    // best effort
  }
}

/**
 * Runs `stamplog serve` with the given options and waits for its listening line, or rejects (after killing
 * it) with its output. See the module comment.
 */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? tempDir();
  const origin = opts.origin ?? 'example.test/log';
  const tokens = opts.tokens ?? [`alice:${randomBytes(18).toString('base64url')}`];
  const args = [
    '--import',
    'tsx',
    join(REPO_ROOT, 'src/cli/main.ts'),
    'serve',
    '--data',
    dataDir,
    '--listen',
    '127.0.0.1:0',
    '--origin',
    origin,
    ...tokens.flatMap((t) => ['--token', t]),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STAMPLOG_TOKENS: '', ...opts.env },
  });
  live.add(child);
  let out = '';
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  // Keep the promise from being reported as unhandled; callers await it when they care.
  exited.catch(() => undefined);

  let onOutput: () => void = () => undefined;
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    onOutput();
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    onOutput();
  });

  const timeoutMs = opts.startTimeoutMs ?? 20_000;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stamplog serve did not start within ${timeoutMs} ms; output:\n${out}`)), timeoutMs);
    onOutput = () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`stamplog serve exited (code ${code}) before listening; output:\n${out}`));
    });
  }).catch(async (e: unknown) => {
    child.kill('SIGKILL');
    await exited;
    if (ownDir) removeDir(dataDir);
    throw e;
  });
  onOutput = () => undefined;

  const logKey = /log key ([^\s"]+)/.exec(out)?.[1];
  const timestampKey = /timestamp key ([^\s"]+)/.exec(out)?.[1];
  if (logKey === undefined || timestampKey === undefined) {
    child.kill('SIGKILL');
    await exited;
    if (ownDir) removeDir(dataDir);
    throw new Error(`stamplog serve did not print its keys; output:\n${out}`);
  }
  const first = tokens[0] ?? '';
  const token = first.slice(first.indexOf(':') + 1);

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    if (ownDir) removeDir(dataDir);
  };
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid ?? -1, logKey, timestampKey, dataDir, token, stop, kill, output: () => out, exited, child };
}

// ──────────────────────────── HTTP helpers ────────────────────────────

/** Starts `server` on a free loopback port; resolves with its base URL (`http://127.0.0.1:PORT`). */
export async function listenLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * For comparing a node:http fast path with the express app it stands in front of: serves `plain` (the reference)
 * and, beside it, `fast` in front of `app` (which answers what `fast` does not take), both on loopback and closed
 * after the calling suite. `fastHits()` counts the requests `fast` took.
 */
export async function serveWithFastPath(
  plain: RequestListener,
  fast: (req: IncomingMessage, res: ServerResponse) => boolean,
  app: RequestListener,
): Promise<{ plainUrl: string; bothUrl: string; fastHits: () => number }> {
  let hits = 0;
  const plainServer = createServer(plain);
  const both = createServer((req, res) => {
    if (fast(req, res)) hits++;
    else app(req, res);
  });
  const plainUrl = await listenLoopback(plainServer);
  const bothUrl = await listenLoopback(both);
  after(() => {
    plainServer.close();
    both.close();
  });
  return { plainUrl, bothUrl, fastHits: () => hits };
}

/** What the helpers need of a server: its base URL and (for appends) a token. */
export interface ServerRef {
  url: string;
  token: string;
}

/** The JSON receipt of an append (DESIGN §4). */
export interface ReceiptJSON {
  index: number;
  leafHash: string;
  entry: Record<string, unknown> & { time: number; subject: SubmissionJSON['subject'] };
  proof: string;
  duplicate: boolean;
}

/** An HTTP answer with its parsed JSON body (undefined if the body is not JSON). */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function toJson<T>(res: Response): Promise<JsonResponse<T>> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/** POSTs one submission to /api/v1/entries; resolves with status and body whatever the status. */
export async function appendOne(srv: ServerRef, sub: SubmissionJSON | unknown, token: string = srv.token): Promise<JsonResponse<ReceiptJSON>> {
  const res = await fetch(`${srv.url}/api/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(sub),
  });
  return toJson<ReceiptJSON>(res);
}

/** POSTs `{entries}` to /api/v1/entries/batch; resolves with status and body whatever the status. */
export async function appendBatch(
  srv: ServerRef,
  entries: readonly unknown[],
  token: string = srv.token,
): Promise<JsonResponse<{ receipts: ReceiptJSON[] }>> {
  const res = await fetch(`${srv.url}/api/v1/entries/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ entries }),
  });
  return toJson<{ receipts: ReceiptJSON[] }>(res);
}

/**
 * GET over fetch, retried (at most twice) when a kept-alive connection turns out to be closed under it ("other
 * side closed", ECONNRESET): on a loaded machine the client may reuse a connection just as the server's
 * keep-alive timeout ends it. Only for GETs, which are idempotent; appends are never retried here.
 */
export async function fetchGet(url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url);
    } catch (e) {
      const code = String((e as { cause?: { code?: unknown } }).cause?.code ?? '');
      if (attempt >= 2 || !['UND_ERR_SOCKET', 'ECONNRESET'].includes(code)) throw e;
    }
  }
}

/** GETs `path` (relative to the server URL) and parses JSON. */
export async function getJson<T = unknown>(srv: { url: string }, path: string): Promise<JsonResponse<T>> {
  return toJson<T>(await fetchGet(`${srv.url}${path}`));
}

/** GETs `path` and returns status, headers and raw bytes. */
export async function getBytes(srv: { url: string }, path: string): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const res = await fetchGet(`${srv.url}${path}`);
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** GETs `path` and returns status, headers and the body as text (e.g. `/checkpoint`). */
export async function getText(srv: { url: string }, path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetchGet(`${srv.url}${path}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The current published tree size from /api/v1/log. */
export async function treeSize(srv: { url: string }): Promise<number> {
  const r = await getJson<{ size: number }>(srv, '/api/v1/log');
  if (r.status !== 200 || typeof r.body?.size !== 'number') throw new Error(`GET /api/v1/log: ${r.status} ${r.text}`);
  return r.body.size;
}

// ──────────────────────────── submissions ────────────────────────────

export interface SubmissionOptions {
  /** Sign the statement with the Ed25519 key of this 32-byte seed. */
  seed?: Uint8Array;
  /** Project name; default `proj-<i % 37>`. */
  project?: string;
  /** Version; default `1.<i % 11>.<i>`. */
  version?: string;
  /** Filename; default `proj-<i % 37>-1.<i % 11>.<i>-py3-none-any.whl`. */
  filename?: string;
  /** Distinguishes otherwise equal runs (goes into the digest). Default ''. */
  salt?: string;
  /** claims.uploadedAt as RFC 3339; default none. */
  uploadedAt?: string;
}

/** A deterministic fake SHA-256 (64 lowercase hex digits) for submission `i` (and `salt`). */
export function fakeDigest(i: number, salt = ''): string {
  return Buffer.from(sha256Bytes(`stamplog-test:${salt}:${i}`)).toString('hex');
}

function sha256Bytes(s: string): Uint8Array {
  return createHash('sha256').update(s).digest();
}

/** The in-memory submission number `i` (kind artifact); distinct `i` give distinct entries. */
export function makeSubmissionValue(i: number, opts: SubmissionOptions = {}): Submission {
  const project = opts.project ?? `proj-${i % 37}`;
  const version = opts.version ?? `1.${i % 11}.${i}`;
  const filename = opts.filename ?? `${project}-${version}-py3-none-any.whl`;
  const subject = { project, version, filename, sha256: sha256Bytes(`stamplog-test:${opts.salt ?? ''}:${i}`), size: 1000 + i };
  const sub: { -readonly [K in keyof Submission]: Submission[K] } = { kind: 'artifact', subject };
  if (opts.uploadedAt !== undefined) sub.claims = { uploadedAt: Date.parse(opts.uploadedAt) };
  if (opts.seed !== undefined) sub.sig = signStatement(opts.seed, sub);
  return sub;
}

/** The wire JSON of submission number `i` (see makeSubmissionValue). */
export function makeSubmission(i: number, opts: SubmissionOptions = {}): SubmissionJSON {
  return submissionToJSON(makeSubmissionValue(i, opts));
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves with the results in order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Polls `cond` every `intervalMs` until it is truthy or `timeoutMs` passed (then rejects with `what`). */
export async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** An HTTP answer to rawRequest. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined if it is not JSON. */
  json: unknown;
}

/**
 * Sends one request with EXACTLY the given path (no URL normalisation, unlike fetch: `/tile/../x` stays as
 * is) over node:http; resolves with the answer whatever its status (bounded by `timeoutMs`, default 15 s).
 * The body goes out in 64 KiB chunks and stops once an answer arrives, so a server that refuses a large
 * body early (and closes) is seen answering, not as a broken pipe.
 */
export function rawRequest(
  srv: { port: number },
  req: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    timeoutMs?: number;
    /**
     * Announce a body of this many bytes (Content-Length) but send only `body` (a prefix), then wait for the
     * answer: for requests the server must refuse before reading their body.
     */
    declaredLength?: number;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const what = `${req.method ?? 'GET'} ${req.path}`;
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
    const headers: Record<string, string> = { ...req.headers };
    if (req.declaredLength !== undefined) headers['content-length'] = String(req.declaredLength);
    else if (body !== undefined) headers['content-length'] = String(body.length);
    let answered = false;
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const r = httpRequest({ host: '127.0.0.1', port: srv.port, method: req.method ?? 'GET', path: req.path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish(() => reject(e)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json }));
        r.destroy();
      });
    });
    const timer = setTimeout(() => {
      r.destroy();
      finish(() => reject(new Error(`${what}: no answer within ${req.timeoutMs ?? 15_000} ms`)));
    }, req.timeoutMs ?? 15_000);
    // A write that fails because the server answered and closed is not the outcome: give the answer 2 s to arrive.
    r.on('error', (e) => {
      if (answered) return;
      setTimeout(() => finish(() => reject(e)), 2_000).unref();
    });
    void (async () => {
      const CHUNK = 64 * 1024;
      for (let at = 0; body !== undefined && at < body.length && !answered && !r.destroyed; at += CHUNK) {
        if (!r.write(body.subarray(at, at + CHUNK))) {
          await new Promise<void>((ok) => {
            const done = () => {
              r.off('drain', done);
              r.off('close', done);
              r.off('response', done);
              ok();
            };
            r.on('drain', done).on('close', done).on('response', done);
          });
        }
      }
      if (req.declaredLength === undefined && !r.destroyed) r.end();
      else if (!r.destroyed) r.flushHeaders();
    })();
  });
}

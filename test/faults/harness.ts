/**
 * The fault-injection harness (issue 16): a REAL `stamplog serve` process run under the LD_PRELOAD shim of
 * faultshim.c, concurrent appends against it, and one "site" of the write path at a time made to fail:
 *
 *   const shim = buildShim();                     // cc -shared … into a temp dir, once per process
 *   const rig = await FaultRig.start(shim.path);  // server + load (single and batch appends, a /checkpoint poller)
 *   await rig.runSite(site, 'EIO');               // fault on → 503 while failed → fault off → recovered
 *   await rig.finish();                           // SIGKILL, restart, every receipt and checkpoint checked
 *
 * What a site run asserts (the issue's acceptance, in terms a test can observe):
 * - the fault fired (the shim's fault log has a line for the site; a run in which nothing fired fails);
 * - while failed, appends get `503` + `Retry-After` + `application/problem+json` with the expected `code`
 *   (STORAGE_FAILED for EIO, STORAGE_FULL for ENOSPC), `/healthz` answers 503 with that code, and reads of
 *   what is published (`/checkpoint`, `/api/v1/log`, an entry bundle, an inclusion proof) keep answering 200;
 * - no NEW entry is acknowledged (2xx, `duplicate: false`) for a request sent after the first failure was seen
 *   and answered before the fault was lifted: every such acknowledgement would need the failing operation;
 * - no larger checkpoint is served while failed (a checkpoint over data that may not be on disk);
 * - no other status (a 500, a reset connection) at any time;
 * - once the fault is lifted the server recovers by itself (`/healthz` 200, new appends acknowledged);
 * - every receipt verifies the moment it arrives (CrashObserver, shared with the crash loop).
 * `finish` SIGKILLs the server (no drain, no close) and starts it again on the same data, then checks against
 * that final log (CrashObserver.checkFinal): every acknowledged leaf is at its index with an inclusion proof
 * against the final checkpoint, every checkpoint ever seen is consistent with the final one, nothing was
 * acknowledged twice, resubmissions get their original index. The restart makes the "durable" in "no 2xx for a
 * non-durable entry" observable: the shim makes a failed write or fsync lose its bytes (see faultshim.c `lose`),
 * so an entry acknowledged over a failed write is missing after the restart.
 *
 * Layout: the rig's temp directory holds `data/` (the server's --data), the checkpoint lock the server keeps
 * beside it (`data.checkpoint-lock`), and nothing else; the shim's root is that directory, so every file the
 * server writes for the log is in scope. The control and fault-log files live in a separate directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { CrashObserver, SubmissionPool } from '../durability/crashcheck.ts';
import { REPO_ROOT, getJson, removeDir, startServer } from '../helpers/server.ts';
import type { ReceiptJSON, RunningServer } from '../helpers/server.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const SHIM_SOURCE = fileURLToPath(new URL('./faultshim.c', import.meta.url));

/** The errno values the suite injects, and the problem code the server must answer with for each. */
export type FaultErrno = 'EIO' | 'ENOSPC' | 'EDQUOT' | 'EROFS';
export const EXPECTED_CODE: Record<FaultErrno, string> = { EIO: 'STORAGE_FAILED', EROFS: 'STORAGE_FAILED', ENOSPC: 'STORAGE_FULL', EDQUOT: 'STORAGE_FULL' };

// ──────────────────────────── the shim ────────────────────────────

let built: { path?: string; reason?: string } | undefined;

/**
 * Compiles faultshim.c with the system compiler (`cc`, else `gcc`) into a temp dir, once per process. Returns
 * `{path}`, or `{reason}` when no C compiler exists (the suite then skips, saying so). A compiler that exists
 * but fails is an error, not a skip.
 */
export function buildShim(): { path?: string; reason?: string } {
  if (built !== undefined) return built;
  const compiler = ['cc', 'gcc'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
  if (compiler === undefined) {
    built = { reason: 'no C compiler (cc or gcc) on PATH: the LD_PRELOAD fault shim cannot be built' };
    return built;
  }
  const dir = mkdtempSync(join(tmpdir(), 'stamplog-faultshim-'));
  process.on('exit', () => removeDir(dir));
  const out = join(dir, 'faultshim.so');
  const r = spawnSync(compiler, ['-shared', '-fPIC', '-O2', '-Wall', '-o', out, SHIM_SOURCE, '-ldl'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${compiler} failed to build ${SHIM_SOURCE}:\n${r.stderr}`);
  built = { path: out };
  return built;
}

/** One rule of the shim's control file (see faultshim.c). */
export interface FaultRule {
  op: 'write' | 'fsync' | 'rename' | 'open' | 'any' | string;
  /** Substring of the file's path; a trailing `$` anchors it at the end. */
  path: string;
  errno: FaultErrno;
  after?: number;
  count?: number;
  /** A failed fsync also loses the bytes written since the file's last successful fsync. */
  lose?: boolean;
}

/** The control file the shim re-reads, and the log it appends one line to per injected fault. */
export class FaultControl {
  readonly dir: string;
  readonly controlPath: string;
  readonly logPath: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'stamplog-faultctl-'));
    this.controlPath = join(this.dir, 'control');
    this.logPath = join(this.dir, 'faults.log');
    this.set([]);
    writeFileSync(this.logPath, '');
  }

  /** The environment that puts a process under the shim with this control, for files under `root`. */
  env(shim: string, root: string): Record<string, string> {
    // UV_USE_IO_URING=0: libuv must not move file I/O to io_uring, where no interposed function sees it.
    return { LD_PRELOAD: shim, STAMPLOG_FAULT_ROOT: root, STAMPLOG_FAULT_CONTROL: this.controlPath, STAMPLOG_FAULT_LOG: this.logPath, UV_USE_IO_URING: '0' };
  }

  /** Replaces the rules (atomically: the shim sees the old file or the new one). */
  set(rules: readonly FaultRule[]): void {
    const text = rules
      .map((r) => `op=${r.op} path=${r.path} errno=${r.errno} after=${r.after ?? 0} count=${r.count ?? -1} lose=${r.lose === true ? 1 : 0}\n`)
      .join('');
    const tmp = `${this.controlPath}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.controlPath);
  }

  clear(): void {
    this.set([]);
  }

  /** Every fault injected so far, one line each (`faultshim: <function> <errno> <path>`). */
  fired(): string[] {
    return readFileSync(this.logPath, 'utf8').split('\n').filter((l) => l !== '');
  }

  remove(): void {
    removeDir(this.dir);
  }
}

/** True when the CLI in this checkout knows `--recover-interval-ms` (the server's recovery cadence). */
function supportsRecoverInterval(): boolean {
  try {
    return readFileSync(join(REPO_ROOT, 'src/cli/main.ts'), 'utf8').includes('recover-interval-ms');
  } catch {
    return false;
  }
}

// ──────────────────────────── the load ────────────────────────────

/** One append request as the load saw it. */
export interface AppendEvent {
  sentAt: number;
  receivedAt: number;
  status: number;
  /** `code` of a problem answer. */
  code?: string;
  retryAfter: string | null;
  contentType: string | null;
  /** Some submission of a 2xx answer was logged as new (not a duplicate). */
  fresh: boolean;
  /** A connection error instead of an answer. */
  error?: string;
  where: string;
}

/** One `/checkpoint` answer as the poller saw it. */
export interface CheckpointEvent {
  sentAt: number;
  receivedAt: number;
  status: number;
  size: number;
}

async function post(url: string, token: string, path: string, body: unknown): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, headers: res.headers };
}

/** The size line of a checkpoint note (its second line), or -1. */
function noteSize(note: string): number {
  const line = note.split('\n')[1] ?? '';
  return /^\d+$/.test(line) ? Number(line) : -1;
}

/**
 * Concurrent append load against whatever server `target()` names: `singles` clients appending one new entry
 * at a time, `batches` clients appending 2–20 (some in the multi-proof form); submissions refused with 503 are
 * sent again later (they may come back new or, once recovered, as duplicates of a batch that reached the disk),
 * and acknowledged ones are sometimes resubmitted (same index expected). A poller reads `/checkpoint`.
 */
export class Load {
  readonly appends: AppendEvent[] = [];
  readonly checkpoints: CheckpointEvent[] = [];
  /** The submissions this load sends, by number (to check and resend them). */
  readonly pool = new SubmissionPool(randomBytes(6).toString('hex'));
  private stopped = false;
  private paused = false;
  private running: Promise<void>[] = [];
  private readonly lost: number[] = [];
  private readonly mine: number[] = [];

  constructor(
    private readonly observer: CrashObserver,
    private readonly target: () => { url: string; token: string },
    private readonly opts: { singles: number; batches: number } = { singles: 4, batches: 2 },
  ) {}

  start(): void {
    this.running = [
      ...Array.from({ length: this.opts.singles }, (_, c) => this.client(`single ${c}`, false)),
      ...Array.from({ length: this.opts.batches }, (_, c) => this.client(`batch ${c}`, true)),
      this.poller(),
    ];
  }

  /** Holds every client after its current request (while the server is restarted). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private async waitIfPaused(): Promise<boolean> {
    while (this.paused && !this.stopped) await sleep(10);
    return !this.stopped;
  }

  private async poller(): Promise<void> {
    while (await this.waitIfPaused()) {
      const { url } = this.target();
      const sentAt = Date.now();
      try {
        const r = await fetch(`${url}/checkpoint`, { signal: AbortSignal.timeout(10_000) });
        const text = await r.text();
        this.checkpoints.push({ sentAt, receivedAt: Date.now(), status: r.status, size: r.status === 200 ? noteSize(text) : -1 });
        if (r.status === 200) this.observer.observeCheckpoint(text, 'GET /checkpoint');
      } catch (e) {
        if (!this.paused) this.checkpoints.push({ sentAt, receivedAt: Date.now(), status: 0, size: -1 });
        void e;
      }
      await sleep(15);
    }
  }

  private async client(name: string, batch: boolean): Promise<void> {
    let n = 0;
    while (await this.waitIfPaused()) {
      const { url, token } = this.target();
      let ids: number[];
      const roll = Math.random();
      if (this.lost.length > 0 && roll < 0.3) ids = this.lost.splice(0, batch ? Math.min(this.lost.length, 20) : 1);
      else if (this.mine.length > 0 && roll < 0.38) ids = [this.mine[Math.floor(Math.random() * this.mine.length)]];
      else ids = Array.from({ length: batch ? 2 + Math.floor(Math.random() * 19) : 1 }, () => this.pool.fresh());
      const multiproof = ids.length > 1 && Math.random() < 0.3;
      const where = `${name} request ${n++}`;
      const sentAt = Date.now();
      try {
        const r =
          ids.length === 1
            ? await post(url, token, '/api/v1/entries', this.pool.submission(ids[0]))
            : await post(url, token, `/api/v1/entries/batch${multiproof ? '?receipts=multiproof' : ''}`, { entries: ids.map((id) => this.pool.submission(id)) });
        const ev: AppendEvent = {
          sentAt,
          receivedAt: Date.now(),
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          contentType: r.headers.get('content-type'),
          fresh: false,
          where,
        };
        if (r.status >= 200 && r.status < 300) {
          ev.fresh = this.acknowledge(r.body, ids, multiproof, where);
          this.mine.push(...ids);
        } else {
          ev.code = (r.body as { code?: unknown } | undefined)?.code as string | undefined;
          this.lost.push(...ids);
        }
        this.appends.push(ev);
        if (r.status >= 300) await sleep(20 + Math.floor(Math.random() * 30));
      } catch (e) {
        if (this.paused) this.lost.push(...ids); // the server was being restarted under this request
        else {
          this.appends.push({ sentAt, receivedAt: Date.now(), status: 0, retryAfter: null, contentType: null, fresh: false, error: (e as Error).message, where });
          this.lost.push(...ids);
          await sleep(20);
        }
      }
      if (this.lost.length > 2000) this.lost.splice(0, this.lost.length - 2000);
    }
  }

  /** Records a 2xx answer with the observer (which verifies it); true when some submission was logged as new. */
  private acknowledge(body: unknown, ids: number[], multiproof: boolean, where: string): boolean {
    if (multiproof) {
      this.observer.observeMultiproof(body, ids, ids.map((id) => this.pool.submission(id)), where);
      const entries = (body as { entries?: { duplicate?: boolean }[] } | undefined)?.entries ?? [];
      return entries.some((e) => e.duplicate === false);
    }
    const receipts = ids.length === 1 ? [body as ReceiptJSON] : ((body as { receipts?: ReceiptJSON[] } | undefined)?.receipts ?? []);
    if (receipts.length !== ids.length) this.observer.violation(`${where}: ${receipts.length} receipts for ${ids.length} submissions`);
    receipts.forEach((r, i) => this.observer.observeReceipt(r, ids[i], this.pool.submission(ids[i]), `${where} [${i}]`));
    return receipts.some((r) => r.duplicate === false);
  }

  /** Acknowledged appends (2xx answers) so far. */
  get acked(): number {
    return this.appends.filter((e) => e.status >= 200 && e.status < 300).length;
  }
}

// ──────────────────────────── sites ────────────────────────────

/** One place of the write path to break. */
export interface Site {
  name: string;
  /** The rules that break it, for `errno`. */
  rules(errno: FaultErrno): FaultRule[];
  /** A fault-log line of this site (the trigger of a re-open site does not count). */
  fired: RegExp;
  /**
   * `runtime`: the server hits the site on its own while appending. `reopen`: the site is only written when
   * LevelDB opens (a new MANIFEST, CURRENT, a level-0 table from the replayed log): a one-off failure of the
   * log's fsync stops the server first, and the site then fails every re-open the recovery attempts, which must
   * keep refusing until the fault is lifted. `once`: a single failure (then the call works again), which
   * the server must not paper over by retrying: its batch is never acknowledged (after a failed fsync the bytes
   * may be gone, and the shim does drop them), and the server recovers by re-opening; only the final check after
   * the restart can tell whether something acknowledged was lost.
   */
  kind: 'runtime' | 'reopen' | 'once';
}

/** The one-off failure that sends the server into recovery for a `reopen` site. */
function trigger(errno: FaultErrno): FaultRule {
  return { op: 'fsync', path: '.log', errno, count: 1, lose: true };
}

/**
 * Every site of the write path, as of issue 16 (LevelDB's files under `data/db/`, the checkpoint file
 * `data/db/STAMPLOG-CHECKPOINT` replaced through `.tmp` + fsync + rename + directory fsync, and the checkpoint
 * lock `data.checkpoint-lock` beside the data directory, a two-slot file written in place and fsynced).
 */
export function sites(): Site[] {
  const runtime = (name: string, op: string, path: string, fired: RegExp, lose = false): Site => ({
    name,
    kind: 'runtime',
    fired,
    rules: (errno) => [{ op, path, errno, lose }],
  });
  const reopen = (name: string, op: string, path: string, fired: RegExp): Site => ({
    name,
    kind: 'reopen',
    fired,
    rules: (errno) => [trigger(errno), { op, path, errno }],
  });
  const once = (name: string, op: string, path: string, fired: RegExp): Site => ({
    name,
    kind: 'once',
    fired,
    rules: (errno) => [{ op, path, errno, count: 1, lose: true }],
  });
  return [
    runtime('LevelDB write-ahead log write', 'write', '.log', /(fwrite|fflush)\S* \S+ \S+\/db\/\d+\.log$/),
    runtime('LevelDB write-ahead log fsync', 'fsync', '.log', /(fsync|fdatasync) \S+ \S+\/db\/\d+\.log$/, true),
    runtime('checkpoint file create', 'open', 'STAMPLOG-CHECKPOINT.tmp', /open\S* \S+ \S+STAMPLOG-CHECKPOINT\.tmp$/),
    runtime('checkpoint file write', 'write', 'STAMPLOG-CHECKPOINT.tmp', /write\S* \S+ \S+STAMPLOG-CHECKPOINT\.tmp$/),
    runtime('checkpoint file fsync', 'fsync', 'STAMPLOG-CHECKPOINT.tmp', /fsync \S+ \S+STAMPLOG-CHECKPOINT\.tmp$/, true),
    runtime('checkpoint file rename', 'rename', 'STAMPLOG-CHECKPOINT.tmp', /rename\S* \S+ \S+STAMPLOG-CHECKPOINT\.tmp -> /),
    runtime('data directory fsync (after the checkpoint rename)', 'fsync', '/db$', /fsync \S+ \S+\/db$/),
    runtime('checkpoint lock write', 'write', 'checkpoint-lock', /write\S* \S+ \S+checkpoint-lock/),
    runtime('checkpoint lock fsync', 'fsync', 'checkpoint-lock', /fsync \S+ \S+checkpoint-lock/, true),
    // The lock is a two-slot file written in place (src/store/slotfile.ts): a write and an fsync, no rename and no
    // directory sync once it exists, so those are its only sites while appending.
    once('LevelDB write-ahead log fsync fails once (a retried fsync must not be believed)', 'fsync', '.log', /(fsync|fdatasync) \S+ \S+\/db\/\d+\.log$/),
    once('checkpoint file fsync fails once', 'fsync', 'STAMPLOG-CHECKPOINT.tmp', /fsync \S+ \S+STAMPLOG-CHECKPOINT\.tmp$/),
    once('checkpoint lock fsync fails once', 'fsync', 'checkpoint-lock', /fsync \S+ \S+checkpoint-lock/),
    reopen('LevelDB MANIFEST write (re-open)', 'write', 'MANIFEST-', /(fwrite|fflush)\S* \S+ \S+MANIFEST-\d+$/),
    reopen('LevelDB MANIFEST fsync (re-open)', 'fsync', 'MANIFEST-', /(fsync|fdatasync) \S+ \S+MANIFEST-\d+$/),
    reopen('LevelDB table (.ldb) write (re-open writes the replayed log as a level-0 table)', 'write', '.ldb', /(fwrite|fflush)\S* \S+ \S+\.ldb$/),
    reopen('LevelDB CURRENT rename (re-open)', 'rename', 'CURRENT', /rename\S* \S+ \S+\.dbtmp -> \S+\/CURRENT$/),
    // The recovery's trial database (db.probe/) meets the fault before the real store is closed for re-opening.
    reopen('LevelDB new write-ahead log create (re-open)', 'open', '.log', /fopen\S* \S+ \S+\/db(\.probe)?\/\d+\.log$/),
  ];
}

/** Problems of the same kind once each, with how often and the first place (`single 3 request 207: …`). */
function groupProblems(problems: readonly string[]): string[] {
  const byKind = new Map<string, { first: string; n: number }>();
  for (const p of problems) {
    const kind = p.replace(/^(single|batch) \d+ request \d+( \[\d+\])?: /, '').replace(/\d+ ms/g, 'N ms');
    const g = byKind.get(kind);
    if (g === undefined) byKind.set(kind, { first: p, n: 1 });
    else g.n++;
  }
  return [...byKind.values()].map((g) => (g.n === 1 ? g.first : `${g.first} (and ${g.n - 1} more like it)`));
}

// ──────────────────────────── the rig ────────────────────────────

/** A way of breaking the storage and mending it, for FaultRig.runFault. */
export interface Fault {
  name: string;
  errno: FaultErrno;
  kind: Site['kind'];
  on(): void | Promise<void>;
  off(): void | Promise<void>;
  /** Evidence that the fault took effect (fault-log lines); empty: it never did. */
  fired(): string[];
}

export interface SiteReport {
  site: string;
  errno: FaultErrno;
  faultsFired: number;
  refused: number;
  acknowledgedBefore: number;
  acknowledgedAfter: number;
  recoveryMs: number;
  problems: string[];
}

export interface RigOptions {
  /** The shim (buildShim().path); undefined runs the server without it (the real-filesystem test). */
  shim?: string;
  /** The rig directory (holds `data/`); default a fresh temp dir, removed by close(). */
  dir?: string;
  recoverIntervalMs?: number;
  load?: { singles: number; batches: number };
}

/** A server under the shim plus its load, observer and fault control (see the module comment). */
export class FaultRig {
  readonly control = new FaultControl();
  readonly dataDir: string;
  private readonly tokenSpec = `alice:${randomBytes(18).toString('base64url')}`;
  // Set by start(), which is the only way to make a rig.
  srv!: RunningServer;
  observer!: CrashObserver;
  load!: Load;

  private constructor(
    readonly dir: string,
    private readonly ownDir: boolean,
    private readonly opts: RigOptions,
  ) {
    this.dataDir = join(dir, 'data');
  }

  static async start(opts: RigOptions): Promise<FaultRig> {
    const rig = new FaultRig(opts.dir ?? mkdtempSync(join(tmpdir(), 'stamplog-faults-')), opts.dir === undefined, opts);
    try {
      rig.srv = await rig.spawn();
    } catch (e) {
      rig.control.remove();
      if (rig.ownDir) removeDir(rig.dir);
      throw e;
    }
    rig.observer = new CrashObserver(rig.srv.logKey, rig.srv.timestampKey);
    rig.load = new Load(rig.observer, () => ({ url: rig.srv.url, token: rig.srv.token }), opts.load);
    rig.load.start();
    return rig;
  }

  private spawn(): Promise<RunningServer> {
    const extraArgs = ['--batch-ms', '2'];
    if (supportsRecoverInterval()) extraArgs.push('--recover-interval-ms', String(this.opts.recoverIntervalMs ?? 200));
    return startServer({
      dataDir: this.dataDir,
      tokens: [this.tokenSpec],
      extraArgs,
      env: this.opts.shim === undefined ? {} : this.control.env(this.opts.shim, this.dir),
      startTimeoutMs: 60_000,
    });
  }

  /** SIGKILLs the server and starts it again on the same data (load held meanwhile). */
  async restart(): Promise<void> {
    this.load.pause();
    await this.srv.stop('SIGKILL');
    this.srv = await this.spawn();
    if (this.srv.logKey !== this.observer.logKey) this.observer.violation('the log key changed across a restart');
    this.load.resume();
  }

  async healthz(): Promise<{ status: number; code?: string; contentType: string | null }> {
    const r = await getJson<{ code?: string }>(this.srv, '/healthz');
    return { status: r.status, code: r.body?.code, contentType: r.headers.get('content-type') };
  }

  /** Waits (bounded) until the load has `n` more 2xx answers than now. */
  async waitForAcks(n: number, what: string, timeoutMs = 20_000): Promise<void> {
    const target = this.load.acked + n;
    const deadline = Date.now() + timeoutMs;
    while (this.load.acked < target) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} acknowledged appends ${what}; server output:\n${this.srv.output().slice(-3000)}`);
      await sleep(20);
    }
  }

  /**
   * One site, one errno, through the shim (see the module comment for what is asserted). Returns the report;
   * `problems` lists every assertion that failed (empty: the site passed). Leaves the server running and healthy
   * (restarting it if it did not recover, so later sites still run).
   */
  runSite(site: Site, errno: FaultErrno, opts: { recoverTimeoutMs?: number } = {}): Promise<SiteReport> {
    const firedBefore = this.control.fired().length;
    return this.runFault(
      {
        name: site.name,
        errno,
        kind: site.kind,
        on: () => this.control.set(site.rules(errno)),
        off: () => this.control.clear(),
        fired: () => this.control.fired().slice(firedBefore).filter((l) => site.fired.test(l)),
      },
      opts,
    );
  }

  /** Like runSite, for any way of breaking the storage and mending it (e.g. a real file system filled up). */
  async runFault(fault: Fault, opts: { recoverTimeoutMs?: number } = {}): Promise<SiteReport> {
    const { errno } = fault;
    const expected = EXPECTED_CODE[errno];
    const problems: string[] = [];
    const violationsBefore = this.observer.violations.length;
    const appendsBefore = this.load.appends.length;
    const checkpointsBefore = this.load.checkpoints.length;
    if ((await this.healthz()).status !== 200) await this.restart();
    await this.waitForAcks(15, `before breaking ${fault.name}`);
    const acknowledgedBefore = this.load.acked;

    // Fault on: wait for the site to fire, an append to be refused, and /healthz to say why.
    await fault.on();
    const onAt = Date.now();
    const siteFired = () => fault.fired();
    const refusedSince = (t: number) => this.load.appends.slice(appendsBefore).filter((e) => e.status === 503 && e.code !== 'PUSHBACK' && e.receivedAt >= t);
    let health = await this.healthz();
    const deadline = onAt + 10_000;
    // A one-off failure may be recovered from before /healthz is asked: its 503 is remembered if seen.
    let sawUnhealthy = health.status === 503 ? health : undefined;
    while (!(siteFired().length > 0 && refusedSince(onAt).length > 0 && (sawUnhealthy !== undefined || fault.kind === 'once'))) {
      if (Date.now() > deadline) break;
      await sleep(25);
      health = await this.healthz();
      if (health.status === 503) sawUnhealthy ??= health;
    }
    if (sawUnhealthy !== undefined) health = sawUnhealthy;
    if (siteFired().length === 0) problems.push('no fault fired at the site within 10 s');
    if (refusedSince(onAt).length === 0) problems.push('no append was refused with 503 (other than PUSHBACK) while the fault was on');
    if (health.status !== 503) {
      if (fault.kind !== 'once') problems.push(`/healthz answered ${health.status}, not 503, while failed`);
    } else {
      if (health.code !== expected) problems.push(`/healthz code ${JSON.stringify(health.code)}, expected ${expected}`);
      if (!(health.contentType ?? '').startsWith('application/problem+json')) problems.push(`/healthz content-type ${health.contentType}, expected application/problem+json`);
    }

    // While failed: published data stays readable. For a re-open site, also: the failed re-opens keep it failed.
    await this.checkReads(problems);
    await sleep(fault.kind === 'reopen' ? Math.max(600, 3 * (this.opts.recoverIntervalMs ?? 200)) : 400);
    health = await this.healthz();
    if (health.status !== 503 && fault.kind !== 'once') problems.push(`/healthz answered ${health.status} while the fault was still on (after ${Date.now() - onAt} ms)`);
    if (fault.kind === 'reopen' && siteFired().length === 0) problems.push('the recovery never re-opened the store while the fault was on (the site never fired)');

    // Fault off: the server recovers by itself.
    await fault.off();
    const offAt = Date.now();
    const firstRefusal = refusedSince(onAt)[0]?.receivedAt ?? offAt;
    let recoveryMs = -1;
    const recoverDeadline = offAt + (opts.recoverTimeoutMs ?? 15_000);
    for (;;) {
      health = await this.healthz();
      if (health.status === 200) {
        recoveryMs = Date.now() - offAt;
        break;
      }
      if (Date.now() > recoverDeadline) break;
      await sleep(50);
    }
    let outputTail = '';
    if (recoveryMs < 0) {
      const last = await getJson(this.srv, '/healthz');
      problems.push(
        `no recovery within ${opts.recoverTimeoutMs ?? 15_000} ms of lifting the fault (fault on ${new Date(onAt).toISOString()}, off ${new Date(offAt).toISOString()}; /healthz ${last.status} ${last.text}); restarting the server`,
      );
      outputTail = this.srv.output().slice(-4000);
      await this.restart();
    }
    try {
      await this.waitForAcks(15, `after lifting the fault at ${fault.name}`);
    } catch (e) {
      problems.push((e as Error).message);
    }

    // The answers of this run.
    const appends = this.load.appends.slice(appendsBefore);
    for (const e of appends) {
      if (e.status === 0) problems.push(`${e.where}: the connection failed: ${e.error}`);
      else if (e.status !== 200 && e.status !== 201 && e.status !== 503) problems.push(`${e.where}: status ${e.status} (code ${e.code})`);
      else if (e.status === 503) {
        if (e.code !== 'PUSHBACK' && e.code !== expected) problems.push(`${e.where}: 503 with code ${JSON.stringify(e.code)}, expected ${expected}`);
        if (e.retryAfter === null || !/^\d+$/.test(e.retryAfter)) problems.push(`${e.where}: 503 without a Retry-After in seconds (${JSON.stringify(e.retryAfter)})`);
        if (!(e.contentType ?? '').startsWith('application/problem+json')) problems.push(`${e.where}: 503 with content-type ${e.contentType}`);
      }
      // Sent after the server was seen failed, answered before the fault was lifted: nothing new may be logged.
      // (A one-off failure may be recovered from while its rule is still in place: no window to check then.)
      if (fault.kind !== 'once' && e.status >= 200 && e.status < 300 && e.fresh && e.sentAt >= firstRefusal && e.receivedAt <= offAt) {
        problems.push(`${e.where}: a new entry acknowledged (${e.status}) while failed (sent ${e.sentAt - firstRefusal} ms after the first refusal, answered ${offAt - e.receivedAt} ms before the fault was lifted)`);
      }
    }
    const cps = fault.kind === 'once' ? [] : this.load.checkpoints.slice(checkpointsBefore).filter((c) => c.sentAt >= firstRefusal && c.receivedAt <= offAt);
    for (const c of cps) {
      if (c.status !== 200) problems.push(`GET /checkpoint answered ${c.status} while failed`);
    }
    const sizes = cps.filter((c) => c.status === 200).map((c) => c.size);
    if (sizes.length > 0 && Math.max(...sizes) > sizes[0]) problems.push(`the served checkpoint grew from ${sizes[0]} to ${Math.max(...sizes)} while failed`);
    problems.push(...this.observer.violations.slice(violationsBefore));
    const grouped = groupProblems(problems);
    if (grouped.length > 0) grouped.push(`server output (tail):\n${outputTail !== '' ? outputTail : this.srv.output().slice(-4000)}`);
    return {
      site: fault.name,
      errno,
      faultsFired: siteFired().length,
      refused: appends.filter((e) => e.status === 503 && e.code !== 'PUSHBACK').length,
      acknowledgedBefore,
      acknowledgedAfter: this.load.acked - acknowledgedBefore,
      recoveryMs,
      problems: grouped,
    };
  }

  /** Reads of what is published must keep working while writes are stopped. */
  async checkReads(problems: string[]): Promise<void> {
    const cp = await fetch(`${this.srv.url}/checkpoint`);
    const note = await cp.text();
    if (cp.status !== 200) {
      problems.push(`GET /checkpoint answered ${cp.status} while failed`);
      return;
    }
    const size = noteSize(note);
    const log = await getJson(this.srv, '/api/v1/log');
    if (log.status !== 200) problems.push(`GET /api/v1/log answered ${log.status} while failed`);
    if (size > 0) {
      const bundle = await fetch(`${this.srv.url}/tile/entries/000${size >= 256 ? '' : `.p/${size}`}`);
      const body = Buffer.from(await bundle.arrayBuffer());
      if (bundle.status !== 200) problems.push(`GET the first entry bundle answered ${bundle.status} while failed: ${body.toString('utf8').slice(0, 300)}`);
      const proof = await getJson(this.srv, `/api/v1/proofs/inclusion?index=${size - 1}&size=${size}`);
      if (proof.status !== 200) problems.push(`GET an inclusion proof answered ${proof.status} while failed: ${proof.text.slice(0, 300)}`);
      const entry = await getJson(this.srv, `/api/v1/entries/${size - 1}`);
      if (entry.status !== 200) problems.push(`GET an entry answered ${entry.status} while failed: ${entry.text.slice(0, 300)}`);
    }
  }

  /**
   * Stops the load, SIGKILLs the server, starts it again on the same data without any fault, and checks
   * everything ever acknowledged or served against that final log. Returns the violations (empty: all good).
   */
  async finish(): Promise<{ violations: string[]; size: number; receipts: number; checkpoints: number }> {
    this.control.clear();
    await this.load.stop();
    await this.srv.stop('SIGKILL');
    this.srv = await this.spawn();
    const { size } = await this.observer.checkFinal(this.srv, (id) => this.load.pool.submission(id), { inclusionProofs: 400, resubmit: 40 });
    return { violations: [...this.observer.violations], size, receipts: this.observer.receipts, checkpoints: this.observer.checkpoints.size };
  }

  /** Kills the server (if running) and removes the rig's files. */
  async close(): Promise<void> {
    await this.load.stop();
    await this.srv.stop('SIGKILL');
    this.control.remove();
    if (this.ownDir) removeDir(this.dir);
  }
}

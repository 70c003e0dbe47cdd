/**
 * The crash loop shared by test/durability/crash.test.ts and scripts/soak.ts: run the real `stamplog serve`
 * process on one data directory, drive concurrent single and batch appends (plus resubmissions, to exercise
 * dedup across crashes) from several async clients, SIGKILL the process at seeded random moments (some of them
 * during start-up), restart it, and record everything the log ever acknowledged or published:
 *
 * - every 2xx receipt, verified offline (verifyReceipt) the moment it arrives, and every multi-proof batch
 *   answer (`?receipts=multiproof`), verified the way a backfill does (multiproofChecker);
 * - every checkpoint served by `/checkpoint` or carried by a receipt, verified (log signature and timestamp
 *   cosignature) the moment it is seen.
 *
 * Afterwards `CrashObserver.checkFinal` checks against the final log:
 * 1. the tree rebuilt from `/tile/entries/*` has the final checkpoint's root, and every `/tile/<L>/<N>` equals
 *    the tile recomputed from it;
 * 2. every acknowledged leaf is at its index (bytes compared), with an inclusion proof from the API verified
 *    locally against the final checkpoint, and `/api/v1/entries/<i>` agrees for a sample;
 * 3. no index was acknowledged for two different leaves, no submission got two indexes, and no identity
 *    (dedup key) appears twice in the final log;
 * 4. every checkpoint ever seen is consistent with the final one (API consistency proof, verified locally,
 *    once per distinct size), and no size was seen with two roots;
 * 5. leaf times never decrease with the index, and every checkpoint's signed time is not earlier than its last
 *    leaf's time nor than the time of a smaller checkpoint;
 * 6. resubmitting acknowledged entries to the final server returns their original indexes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { multiproofChecker } from '../../src/ingest/backfill.ts';
import { multiproofAnswer } from '../../src/client/http.ts';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { parsePolicy } from '../../src/note/policy.ts';
import type { Policy } from '../../src/note/policy.ts';
import { openCheckpoint } from '../../src/note/checkpoint.ts';
import { cosignatureTimestamp, cosignatureVerifier } from '../../src/note/cosignature.ts';
import { ed25519NoteVerifier } from '../../src/note/keys.ts';
import type { NoteVerifier } from '../../src/note/keys.ts';
import { parseTlogProof } from '../../src/note/tlogproof.ts';
import { EMPTY_ROOT, MemoryTree, TILE_WIDTH, decodeEntryBundle, entryBundlePath, hashEqual, tileData, tilePath, tilesForSize, verifyConsistency, verifyInclusion } from '../../src/merkle/index.ts';
import { decodeLeaf, dedupKey, encodeLeaf, fromBase64, makeEntry, parseSubmission, toBase64, toHex } from '../../src/leaf/index.ts';
import type { SubmissionJSON } from '../../src/leaf/types.ts';
import { REPO_ROOT, getBytes, getJson, makeSubmission, mapConcurrent, startServer } from '../helpers/server.ts';
import type { ReceiptJSON, RunningServer, ServerRef } from '../helpers/server.ts';
import { randomInt, seededRandom } from './common.ts';

const MAX_VIOLATIONS = 50;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A checkpoint as seen: size, root and signed time (POSIX seconds, from the timestamp cosignature). */
interface SeenCheckpoint {
  size: number;
  root: Uint8Array;
  time: number;
  where: string;
}

/** Everything acknowledged and published during a run, checked as it arrives and at the end. */
export class CrashObserver {
  readonly violations: string[] = [];
  /** Acknowledged leaf (base64) per index. */
  readonly acked = new Map<number, string>();
  /** Index per acknowledged submission id. */
  readonly indexOfSub = new Map<number, number>();
  /** Checkpoints per size (the first one seen at each size). */
  readonly checkpoints = new Map<number, SeenCheckpoint>();
  receipts = 0;
  duplicates = 0;
  checkpointsSeen = 0;
  private readonly notesSeen = new Map<string, SeenCheckpoint | undefined>();
  private readonly policy: Policy;
  private readonly logVerifier: NoteVerifier;
  private readonly tsVerifier: NoteVerifier;
  private readonly checkMultiproof: ReturnType<typeof multiproofChecker>;

  constructor(readonly logKey: string, readonly timestampKey: string) {
    this.policy = parsePolicy(`log ${logKey}\nquorum none\n`);
    this.checkMultiproof = multiproofChecker(this.policy, logKey.slice(0, logKey.indexOf('+')));
    this.logVerifier = ed25519NoteVerifier(logKey);
    this.tsVerifier = cosignatureVerifier(timestampKey);
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }

  violation(message: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push(message);
  }

  /** Verifies a signed checkpoint note (log signature, timestamp cosignature) and records it; undefined if it does not verify. */
  observeCheckpoint(note: string, where: string): SeenCheckpoint | undefined {
    if (this.notesSeen.has(note)) return this.notesSeen.get(note);
    const seen = this.verifyCheckpoint(note, where);
    this.notesSeen.set(note, seen);
    this.checkpointsSeen++;
    if (seen === undefined) return undefined;
    const before = this.checkpoints.get(seen.size);
    if (before === undefined) this.checkpoints.set(seen.size, seen);
    else if (!hashEqual(before.root, seen.root)) {
      this.violation(`two checkpoints of size ${seen.size} with different roots (${before.where}: ${toHex(before.root)}, ${where}: ${toHex(seen.root)})`);
    }
    return seen;
  }

  private verifyCheckpoint(note: string, where: string): SeenCheckpoint | undefined {
    try {
      const opened = openCheckpoint(note, this.logVerifier, { verifiers: [this.tsVerifier] });
      const ts = opened.note.verified.find((s) => s.verifier === this.tsVerifier);
      if (ts === undefined) {
        this.violation(`${where}: checkpoint of size ${opened.checkpoint.size} has no timestamp cosignature`);
        return undefined;
      }
      return { size: opened.checkpoint.size, root: opened.checkpoint.rootHash, time: cosignatureTimestamp(ts.signature), where };
    } catch (e) {
      this.violation(`${where}: checkpoint does not verify: ${(e as Error).message}\n${note}`);
      return undefined;
    }
  }

  /**
   * Records the 2xx receipt `r` for submission `subId` (`sub`): it must verify offline, be about `sub`, and
   * not contradict an earlier receipt (same index, other leaf; same submission, other index).
   */
  observeReceipt(r: ReceiptJSON, subId: number, sub: SubmissionJSON, where: string): void {
    this.receipts++;
    if (r.duplicate) this.duplicates++;
    let leafB64: string;
    try {
      const v = verifyReceipt(r.proof, this.policy);
      if (v.index !== r.index) this.violation(`${where}: receipt index ${r.index} but its proof is for index ${v.index}`);
      if (toHex(v.leafHash) !== r.leafHash) this.violation(`${where}: receipt leafHash ${r.leafHash} is not the proof's ${toHex(v.leafHash)}`);
      const s = v.entry.subject;
      if (s.filename !== sub.subject.filename || toHex(s.sha256) !== sub.subject.sha256 || s.size !== sub.subject.size) {
        this.violation(`${where}: receipt for index ${r.index} is about ${s.filename}, not the submitted ${sub.subject.filename}`);
      }
      leafB64 = toBase64(v.leaf);
      this.observeCheckpoint(parseTlogProof(r.proof).note, `${where} (receipt checkpoint)`);
    } catch (e) {
      this.violation(`${where}: receipt for index ${r.index} does not verify: ${(e as Error).message}`);
      return;
    }
    this.acknowledge(r.index, leafB64, subId, where);
  }

  /**
   * Records the multi-proof answer `body` (`?receipts=multiproof`) for the submissions `subIds` (`subs`): it must
   * verify (multiproofChecker: checkpoint, every leaf through the proof) and not contradict an earlier answer.
   */
  observeMultiproof(body: unknown, subIds: readonly number[], subs: readonly SubmissionJSON[], where: string): void {
    const answer = multiproofAnswer(body, subIds.length);
    if (answer === undefined) {
      this.violation(`${where}: a multi-proof answer of another shape: ${JSON.stringify(body).slice(0, 300)}`);
      return;
    }
    this.receipts += subIds.length;
    const parsed = subs.map((j) => parseSubmission(j));
    try {
      this.checkMultiproof(answer, parsed, where);
    } catch (e) {
      this.violation(`${where}: the multi-proof answer does not verify: ${(e as Error).message}`);
      return;
    }
    this.observeCheckpoint(answer.checkpoint, `${where} (multi-proof checkpoint)`);
    answer.entries.forEach((e, i) => {
      if (e.duplicate) this.duplicates++;
      const leaf = e.leaf ?? encodeLeaf(makeEntry(parsed[i], e.time));
      this.acknowledge(e.index, toBase64(leaf), subIds[i], `${where} [${i}]`);
    });
  }

  /** Records that submission `subId` was acknowledged at `index` with leaf `leafB64`, unless that contradicts an earlier acknowledgement. */
  private acknowledge(index: number, leafB64: string, subId: number, where: string): void {
    const known = this.acked.get(index);
    if (known === undefined) this.acked.set(index, leafB64);
    else if (known !== leafB64) this.violation(`index ${index} acknowledged for two different leaves (${where})`);
    const had = this.indexOfSub.get(subId);
    if (had === undefined) this.indexOfSub.set(subId, index);
    else if (had !== index) this.violation(`submission ${subId} acknowledged at index ${had} and again at ${index} (${where})`);
  }

  /**
   * The end-of-run checks (see the module comment) against the running final server `srv`; appends
   * violations and returns the final tree size. `inclusionProofs` caps how many acknowledged entries get an
   * API inclusion proof (the rest are checked by leaf bytes against the rebuilt tree), `resubmit` how many
   * acknowledged submissions are sent again.
   */
  async checkFinal(
    srv: ServerRef,
    subs: (id: number) => SubmissionJSON,
    opts: { inclusionProofs?: number; resubmit?: number; seed?: number } = {},
  ): Promise<{ size: number }> {
    const rnd = seededRandom(opts.seed ?? 1);
    const cpRes = await fetch(`${srv.url}/checkpoint`);
    const note = await cpRes.text();
    const final = this.observeCheckpoint(note, 'final /checkpoint');
    if (final === undefined) return { size: -1 };
    const size = final.size;

    // 1. Rebuild from the entry bundles; compare the root and every hash tile.
    const leaves: Uint8Array[] = [];
    const bundles = Array.from({ length: Math.ceil(size / TILE_WIDTH) }, (_, i) => i);
    const parts = await mapConcurrent(bundles, 8, async (i) => {
      const width = Math.min(TILE_WIDTH, size - i * TILE_WIDTH);
      const r = await getBytes(srv, `/${entryBundlePath({ level: 0, index: i, width })}`);
      if (r.status !== 200) throw new Error(`GET entry bundle ${i}: ${r.status}`);
      return decodeEntryBundle(r.bytes, width);
    });
    for (const p of parts) leaves.push(...p);
    const tree = new MemoryTree(Math.max(size, 1));
    for (const leaf of leaves) tree.append(leaf);
    if (!hashEqual(tree.root(), final.root)) this.violation(`the tree rebuilt from /tile/entries (size ${size}) does not have the final checkpoint's root`);
    await mapConcurrent(tilesForSize(size), 8, async (tile) => {
      const r = await getBytes(srv, `/${tilePath(tile)}`);
      if (r.status !== 200 || !hashEqual(r.bytes, tileData(tile, tree))) this.violation(`/${tilePath(tile)} differs from the tile recomputed from the entries`);
    });

    // 2. Every acknowledged leaf is at its index, with an inclusion proof against the final checkpoint.
    const ackedIndexes = [...this.acked.keys()];
    for (const i of ackedIndexes) {
      if (i >= size) this.violation(`acknowledged index ${i} is beyond the final tree (size ${size})`);
      else if (toBase64(leaves[i]) !== this.acked.get(i)) this.violation(`the final log holds another leaf at acknowledged index ${i}`);
    }
    const proofSample = sample(ackedIndexes.filter((i) => i < size), opts.inclusionProofs ?? Infinity, rnd);
    await mapConcurrent(proofSample, 8, async (i) => {
      const r = await getJson<{ proof: string[] }>(srv, `/api/v1/proofs/inclusion?index=${i}&size=${size}`);
      try {
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        verifyInclusion(tree.leafHash(i), i, size, r.body.proof.map(proofHash), final.root);
      } catch (e) {
        this.violation(`inclusion proof of acknowledged index ${i} in the final tree: ${(e as Error).message}`);
      }
    });
    await mapConcurrent(sample(ackedIndexes.filter((i) => i < size), 100, rnd), 8, async (i) => {
      const r = await getJson<{ leaf: string }>(srv, `/api/v1/entries/${i}`);
      if (r.status !== 200 || r.body.leaf !== this.acked.get(i)) this.violation(`/api/v1/entries/${i} differs from the acknowledged leaf`);
    });

    // 3 and 5. One leaf per identity; leaf times never decrease.
    const identities = new Map<string, number>();
    const times: number[] = [];
    leaves.forEach((leaf, i) => {
      const e = decodeLeaf(leaf);
      const key = dedupKey(e);
      const first = identities.get(key);
      if (first !== undefined) this.violation(`leaves ${first} and ${i} are the same entry (dedup failed)`);
      else identities.set(key, i);
      if (i > 0 && e.time < times[i - 1]) this.violation(`leaf ${i} has time ${e.time}, earlier than leaf ${i - 1} (${times[i - 1]})`);
      times.push(e.time);
    });

    // 4 and 5. Every checkpoint ever seen is consistent with the final one; signed times never go back.
    const seen = [...this.checkpoints.values()].sort((a, b) => a.size - b.size);
    let prev: SeenCheckpoint | undefined;
    for (const c of seen) {
      if (c.size > size) {
        this.violation(`a checkpoint of size ${c.size} was served (${c.where}) but the final tree has only ${size} leaves`);
        continue;
      }
      if (c.size > 0 && c.time < Math.floor(times[c.size - 1] / 1000)) {
        this.violation(`checkpoint ${c.size} is signed at ${c.time} s, before its last leaf's time ${times[c.size - 1]} ms`);
      }
      if (prev !== undefined && c.time < prev.time) this.violation(`checkpoint ${c.size} is signed at ${c.time} s, before checkpoint ${prev.size} (${prev.time} s)`);
      prev = c;
    }
    await mapConcurrent(seen.filter((c) => c.size <= size), 8, async (c) => {
      try {
        if (c.size === 0) {
          if (!hashEqual(c.root, EMPTY_ROOT)) throw new Error('size 0 with a non-empty root');
          return;
        }
        const r = await getJson<{ proof: string[] }>(srv, `/api/v1/proofs/consistency?from=${c.size}&to=${size}`);
        if (r.status !== 200) throw new Error(`GET consistency proof: status ${r.status}`);
        verifyConsistency(c.size, size, r.body.proof.map(proofHash), c.root, final.root);
      } catch (e) {
        this.violation(`checkpoint of size ${c.size} (${c.where}) is not consistent with the final one (${size}): ${(e as Error).message}`);
      }
    });

    // 6. Acknowledged submissions sent again get their original index (dedup survived every crash).
    const again = sample([...this.indexOfSub.keys()], opts.resubmit ?? 50, rnd);
    await mapConcurrent(again, 4, async (id) => {
      const r = await post(srv, '/api/v1/entries', subs(id));
      const body = r.body as ReceiptJSON | undefined;
      if (r.status !== 200 || body?.index !== this.indexOfSub.get(id) || body?.duplicate !== true) {
        this.violation(`resubmitting acknowledged submission ${id} gave ${r.status} index ${body?.index}, not 200 index ${this.indexOfSub.get(id)}`);
      }
    });
    return { size };
  }
}

/** A base64 proof hash from the API (exactly 32 bytes, or throws). */
function proofHash(b64: string): Uint8Array {
  const h = fromBase64(b64, 32);
  if (h === undefined) throw new Error(`proof hash ${JSON.stringify(b64)} is not 32 bytes of base64`);
  return h;
}

/** Up to `n` items of `xs`, chosen with `rnd` (all of them, in order, when there are at most `n`). */
function sample<T>(xs: readonly T[], n: number, rnd: () => number): T[] {
  if (xs.length <= n) return [...xs];
  const copy = [...xs];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

async function post(srv: ServerRef, path: string, body: unknown, timeoutMs = 10_000): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${srv.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${srv.token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
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

/** Lets load clients wait for the next server while the current one is dead. */
class ServerGate {
  private current: ServerRef | undefined;
  private waiting: (() => void)[] = [];
  closed = false;

  set(srv: ServerRef | undefined): void {
    this.current = srv;
    if (srv !== undefined) this.wake();
  }

  /** The running server, waiting for one; undefined once closed. */
  async get(): Promise<ServerRef | undefined> {
    while (this.current === undefined && !this.closed) await new Promise<void>((r) => this.waiting.push(r));
    return this.closed ? undefined : this.current;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

export interface LoadOptions {
  /** Concurrent append clients. */
  clients: number;
  /** Largest batch request (entries). */
  maxBatch: number;
  /** Pause between one client's requests (ms, drawn from [0, thinkMs]). */
  thinkMs: number;
}

/**
 * Concurrent append load: each client loops, choosing (seeded) between a single new entry, a batch of new
 * entries, resubmitting one of its acknowledged entries (must come back with the same index), and resending
 * an entry whose earlier request died with the server (may come back new or as a duplicate). A poller fetches
 * `/checkpoint` all along. Only 2xx answers count; 503 (pushback) and connection errors are expected.
 */
/** Unique submissions by number, made on demand and kept, so that any of them can be sent again and checked. */
export class SubmissionPool {
  private nextSub = 0;
  private readonly subs = new Map<number, SubmissionJSON>();

  constructor(private readonly salt: string) {}

  /** The submission numbered `id` (made by `fresh`). */
  submission(id: number): SubmissionJSON {
    const s = this.subs.get(id);
    if (s === undefined) throw new Error(`no submission ${id}`);
    return s;
  }

  /** Makes a new unique submission and returns its number. */
  fresh(): number {
    const id = this.nextSub++;
    this.subs.set(id, makeSubmission(id, { salt: this.salt }));
    return id;
  }
}

class LoadDriver {
  readonly gate = new ServerGate();
  /** The submissions this load sends, by number (to check and resend them). */
  readonly pool: SubmissionPool;
  private running: Promise<void>[] = [];
  requests = 0;
  failedRequests = 0;
  pushbacks = 0;

  constructor(private readonly observer: CrashObserver, private readonly opts: LoadOptions, seed: number) {
    this.pool = new SubmissionPool(`crash-${seed}-${randomBytes(4).toString('hex')}`);
    this.rnd = seededRandom(seed ^ 0x5eed);
  }
  private readonly rnd: () => number;

  start(): void {
    this.running = [
      ...Array.from({ length: this.opts.clients }, (_, c) => this.client(c)),
      this.poller(),
    ];
  }

  async stop(): Promise<void> {
    this.gate.close();
    await Promise.all(this.running);
  }

  private async poller(): Promise<void> {
    for (;;) {
      const srv = await this.gate.get();
      if (srv === undefined) return;
      try {
        const r = await fetch(`${srv.url}/checkpoint`, { signal: AbortSignal.timeout(5000) });
        if (r.status === 200) this.observer.observeCheckpoint(await r.text(), '/checkpoint');
      } catch {
        // the server died; the gate waits for the next one
      }
      await sleep(20);
    }
  }

  private async client(c: number): Promise<void> {
    const mine: number[] = []; // acknowledged submission ids of this client
    const lost: number[] = []; // ids whose request died with the server
    for (;;) {
      const srv = await this.gate.get();
      if (srv === undefined) return;
      const roll = this.rnd();
      let ids: number[];
      if (roll < 0.08 && mine.length > 0) ids = [mine[Math.floor(this.rnd() * mine.length)]];
      else if (roll < 0.16 && lost.length > 0) ids = lost.splice(0, Math.min(lost.length, randomInt(this.rnd, 1, this.opts.maxBatch)));
      else if (roll < 0.55) ids = [this.pool.fresh()];
      else ids = Array.from({ length: randomInt(this.rnd, 2, this.opts.maxBatch) }, () => this.pool.fresh());
      // Batches sometimes carry a resubmission of an acknowledged entry along with new ones.
      if (ids.length > 1 && mine.length > 0 && this.rnd() < 0.2) ids.push(mine[Math.floor(this.rnd() * mine.length)]);
      const where = `client ${c} request ${this.requests}`;
      this.requests++;
      try {
        if (ids.length === 1) {
          const r = await post(srv, '/api/v1/entries', this.pool.submission(ids[0]));
          if (r.status === 200 || r.status === 201) {
            this.observer.observeReceipt(r.body as ReceiptJSON, ids[0], this.pool.submission(ids[0]), where);
            mine.push(ids[0]);
          } else this.unexpected(r.status, r.body, where, ids, lost);
        } else {
          // Some batches ask for the multi-proof answer instead of a receipt each.
          const multiproof = this.rnd() < 0.3;
          const r = await post(srv, `/api/v1/entries/batch${multiproof ? '?receipts=multiproof' : ''}`, { entries: ids.map((id) => this.pool.submission(id)) });
          if (r.status === 200 && multiproof) {
            this.observer.observeMultiproof(r.body, ids, ids.map((id) => this.pool.submission(id)), where);
            mine.push(...ids);
          } else if (r.status === 200) {
            const receipts = (r.body as { receipts: ReceiptJSON[] }).receipts;
            if (receipts.length !== ids.length) this.observer.violation(`${where}: ${receipts.length} receipts for ${ids.length} submissions`);
            receipts.forEach((rc, i) => this.observer.observeReceipt(rc, ids[i], this.pool.submission(ids[i]), `${where} [${i}]`));
            mine.push(...ids);
          } else this.unexpected(r.status, r.body, where, ids, lost);
        }
      } catch {
        // Connection reset or refused: the server was killed mid-request. Nothing was acknowledged.
        this.failedRequests++;
        lost.push(...ids);
        if (lost.length > 1000) lost.splice(0, lost.length - 1000);
        await sleep(5);
      }
      if (this.opts.thinkMs > 0) await sleep(Math.floor(this.rnd() * (this.opts.thinkMs + 1)));
    }
  }

  private unexpected(status: number, body: unknown, where: string, ids: number[], lost: number[]): void {
    if (status === 503 && (body as { code?: string } | undefined)?.code === 'PUSHBACK') {
      this.pushbacks++;
      lost.push(...ids);
      return;
    }
    this.observer.violation(`${where}: unexpected status ${status}: ${JSON.stringify(body)}`);
  }
}

export interface CrashRunOptions extends LoadOptions {
  seed: number;
  /** SIGKILLs to deliver. */
  kills: number;
  dataDir: string;
  /** Uptime before a kill, ms, drawn from [minUpMs, maxUpMs] after the server listens. */
  minUpMs: number;
  maxUpMs: number;
  /** Fraction of kills delivered during start-up instead (before the server listens), 0..1. */
  startupKillFraction: number;
  /** Stop delivering kills after this long (ms); the run then finishes with the kills done so far. */
  deadlineMs: number;
  /** Further `serve` arguments. */
  extraArgs?: string[];
  /** Caps for the final checks (see CrashObserver.checkFinal). */
  inclusionProofs?: number;
  resubmit?: number;
  /** Called after every kill. */
  onKill?: (p: { kills: number; acknowledged: number; receipts: number; checkpoints: number; elapsedMs: number }) => void;
}

export interface CrashRunResult {
  kills: number;
  startupKills: number;
  /** Distinct acknowledged indexes. */
  acknowledged: number;
  receipts: number;
  duplicates: number;
  checkpointsSeen: number;
  distinctCheckpointSizes: number;
  requests: number;
  failedRequests: number;
  finalSize: number;
  /** Exit code of the final server after SIGTERM (0 expected). */
  finalExitCode: number | null;
  durationMs: number;
  violations: string[];
}

/** Starts `serve` on `dataDir` and SIGKILLs it after `delayMs`, whether or not it is listening yet. */
async function killDuringStartup(dataDir: string, token: string, delayMs: number, extraArgs: string[]): Promise<void> {
  const args = ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--origin', 'example.test/log', '--token', token, ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: 'ignore', env: { ...process.env, STAMPLOG_TOKENS: '' } });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([sleep(delayMs), exited]);
  child.kill('SIGKILL');
  await exited;
}

/** The crash loop (see the module comment). Never throws for a violation: they are in the result. */
export async function runCrashLoop(opts: CrashRunOptions): Promise<CrashRunResult> {
  const t0 = Date.now();
  const rnd = seededRandom(opts.seed);
  const tokenSpec = `alice:${randomBytes(18).toString('base64url')}`;
  const extraArgs = opts.extraArgs ?? [];
  const start = (): Promise<RunningServer> => startServer({ dataDir: opts.dataDir, tokens: [tokenSpec], extraArgs, startTimeoutMs: 60_000 });

  let srv = await start();
  const observer = new CrashObserver(srv.logKey, srv.timestampKey);
  const load = new LoadDriver(observer, opts, opts.seed);
  let kills = 0;
  let startupKills = 0;
  try {
    load.start();
    while (kills < opts.kills && Date.now() - t0 < opts.deadlineMs) {
      // The server restarted with the same keys and a log that verified at start-up (or it would not listen).
      if (srv.logKey !== observer.logKey) observer.violation(`restart ${kills}: the log key changed`);
      load.gate.set(srv);
      await sleep(randomInt(rnd, opts.minUpMs, opts.maxUpMs));
      load.gate.set(undefined);
      await srv.stop('SIGKILL');
      kills++;
      if (kills < opts.kills && rnd() < opts.startupKillFraction) {
        await killDuringStartup(opts.dataDir, tokenSpec, randomInt(rnd, 0, 500), extraArgs);
        kills++;
        startupKills++;
      }
      opts.onKill?.({ kills, acknowledged: observer.acked.size, receipts: observer.receipts, checkpoints: observer.checkpointsSeen, elapsedMs: Date.now() - t0 });
      srv = await start();
    }
    await load.stop();
    const { size } = await observer.checkFinal(srv, (id) => load.pool.submission(id), {
      inclusionProofs: opts.inclusionProofs,
      resubmit: opts.resubmit,
      seed: opts.seed,
    });
    const finalExitCode = await srv.stop('SIGTERM');
    if (finalExitCode !== 0) observer.violation(`the final server exited with ${finalExitCode} on SIGTERM:\n${srv.output()}`);
    return {
      kills,
      startupKills,
      acknowledged: observer.acked.size,
      receipts: observer.receipts,
      duplicates: observer.duplicates,
      checkpointsSeen: observer.checkpointsSeen,
      distinctCheckpointSizes: observer.checkpoints.size,
      requests: load.requests,
      failedRequests: load.failedRequests,
      finalSize: size,
      finalExitCode,
      durationMs: Date.now() - t0,
      violations: observer.violations,
    };
  } finally {
    load.gate.close();
    await srv.stop('SIGKILL');
  }
}

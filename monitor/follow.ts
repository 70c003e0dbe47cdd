/**
 * Follow and audit one log over C2SP tlog-tiles. One `pass()`:
 *
 *   1. GET /checkpoint; verify the log's signature and origin (openCheckpoint), read the verified cosignature
 *      times of the policy's witnesses. A checkpoint that does not verify is a `bad-checkpoint` alert.
 *   2. Prove it consistent with `latest`, the largest checkpoint already proven (trust on first use for the
 *      first): from the larger tree's tiles, MTH(D_new[0:old]) must equal the old root (evidence.ts
 *      checkConsistency, authenticated tile reads). An inconsistent pair is stored as evidence and alerted; a
 *      smaller checkpoint that cannot be proven consistent is a `stale-checkpoint` alert. Neither moves state.
 *   3. Audit the new leaves [cursor, size) in chunks of up to 65,536 leaves aligned to 65,536: fetch entry
 *      bundles, hash every leaf into the compact range (compact.ts), run the content checks (checks.ts), then
 *      authenticate the chunk before believing any of it: the border of [0, end) must equal the hashes that the
 *      checkpoint's tiles give for those subtrees (or, at the end, the root itself). A mismatch is a
 *      `bundle-mismatch` alert and nothing of the chunk is kept.
 *   4. Commit the chunk in ONE synced LevelDB batch (store.ts): new filename and project records, the chunk's
 *      alerts, and the head record {latest, cursor, border, time state}. A crash before the write loses only
 *      the chunk, redone on restart; after it, the audit resumes at the new cursor. Alerts are emitted after
 *      the commit (stored first, so none is lost).
 *
 * The head record is checksummed: a torn or altered state is a CORRUPTION error about the local state,
 * never an alert about the log.
 */
import { StamplogError, isStamplogError } from '../src/errors.ts';
import { TILE_WIDTH, hashEqual, leafHash } from '../src/merkle/index.ts';
import { cosignatureTimestamp, openCheckpoint } from '../src/note/index.ts';
import { fromBase64, toBase64 } from '../src/bytes.ts';
import type { Alert, Alerter } from './alerts.ts';
import { ContentChecker, decodeStrict } from './checks.ts';
import type { CheckLookup, CheckOptions, FilenameRecord, ProjectRecord, TimeState, WitnessedHead } from './checks.ts';
import { CompactRange, borderIndexes } from './compact.ts';
import { checkConsistency } from './evidence.ts';
import type { Evidence, SignedCheckpoint } from './evidence.ts';
import type { EvidenceLog } from './evidencelog.ts';
import { LogClient } from './logclient.ts';
import type { MonitoredLog } from './config.ts';
import { key } from './store.ts';
import type { MonitorStore } from './store.ts';

/** Leaves per audited chunk (a power of two ≥ 256, so chunks end on bundle and subtree boundaries). */
export const CHUNK_LEAVES = 1 << 16;
/** Entry bundles fetched at once. */
const FETCH_CONCURRENCY = 16;

/** The follower's persistent state for one log. */
interface HeadRecord {
  v: 1;
  /** Signed note of the largest checkpoint proven consistent (null before the first). */
  latest: string | null;
  /** Leaves [0, cursor) are audited. */
  cursor: number;
  /** Base64 border hashes of [0, cursor) (compact.ts). */
  border: string[];
  time: TimeState;
  /** Alerts stored so far (their sequence numbers). */
  alerts: number;
}

function checkHead(v: unknown): HeadRecord {
  const h = v as HeadRecord;
  if (typeof h !== 'object' || h === null || h.v !== 1) throw new Error('not a head record');
  if (h.latest !== null && typeof h.latest !== 'string') throw new Error('latest');
  if (!Number.isSafeInteger(h.cursor) || h.cursor < 0) throw new Error('cursor');
  if (!Array.isArray(h.border) || !Array.isArray(h.time?.heads) || !Number.isSafeInteger(h.alerts)) throw new Error('fields');
  return h;
}

/** What one pass did. */
export interface PassResult {
  origin: string;
  /** The verified checkpoint's size (the latest proven one), or undefined if none. */
  size?: number;
  /** Leaves audited in this pass. */
  audited: number;
  /** Total audited leaves (the cursor). */
  cursor: number;
  alerts: Alert[];
  /** Set when this pass found the log equivocating. */
  evidence?: Evidence;
}

export interface FollowerDeps {
  store: MonitorStore;
  alerter: Alerter;
  evidence: EvidenceLog;
  /** Milliseconds since the epoch (the monitor's own observation times). */
  clock?: () => number;
  checks?: CheckOptions;
  /** Called with progress during an audit. */
  onProgress?: (p: { origin: string; cursor: number; size: number }) => void;
  /** Called with every checkpoint proven consistent (e.g. to gossip it). */
  onCheckpoint?: (cp: SignedCheckpoint, url: string) => void;
}

export class Follower {
  readonly log: MonitoredLog;
  readonly client: LogClient;
  readonly #deps: FollowerDeps;
  readonly #clock: () => number;
  #running: Promise<PassResult> | undefined;

  constructor(log: MonitoredLog, deps: FollowerDeps) {
    if (log.url === undefined) throw new StamplogError('MALFORMED', `log ${log.origin} has no URL to follow`);
    this.log = log;
    this.client = new LogClient(log.url);
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
  }

  #key(...parts: (string | number)[]): string {
    return key('log', this.log.origin, ...parts);
  }

  async #readHead(): Promise<HeadRecord> {
    return (await this.#deps.store.getRecord(this.#key('head'), checkHead)) ?? { v: 1, latest: null, cursor: 0, border: [], time: { heads: [] }, alerts: 0 };
  }

  /** The largest checkpoint this follower has proven consistent, if any. */
  async latest(): Promise<SignedCheckpoint | undefined> {
    const h = await this.#readHead();
    return h.latest === null ? undefined : this.#open(h.latest).signed;
  }

  #open(note: string): { signed: SignedCheckpoint; heads: WitnessedHead[] } {
    const opened = openCheckpoint(note, this.log.verifier, { origin: this.log.origin, verifiers: this.log.witnesses.map((w) => w.verifier) });
    const heads: WitnessedHead[] = [];
    for (const s of opened.note.verified) {
      const w = this.log.witnesses.find((x) => x.verifier === s.verifier);
      if (w !== undefined) heads.push({ size: opened.checkpoint.size, time: cosignatureTimestamp(s.signature) * 1000, by: w.name });
    }
    return { signed: { note, checkpoint: opened.checkpoint }, heads };
  }

  /** Runs one pass (see the module comment); concurrent calls share the running pass. */
  pass(): Promise<PassResult> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #alertNow(head: HeadRecord, alerts: Alert[]): Promise<PassResult> {
    // Findings about tree heads (no chunk to commit with): store them with the unchanged head, then emit.
    await this.#commit(head, alerts, { files: [], projects: [] });
    await this.#deps.alerter.emit(alerts);
    const latest = head.latest === null ? undefined : this.#open(head.latest).signed.checkpoint.size;
    return { origin: this.log.origin, ...(latest === undefined ? {} : { size: latest }), audited: 0, cursor: head.cursor, alerts };
  }

  #alert(type: Alert['type'], message: string, details: Record<string, unknown>, indexes: number[] = []): Alert {
    return { type, origin: this.log.origin, indexes, message, details, at: new Date(this.#clock()).toISOString() };
  }

  async #pass(): Promise<PassResult> {
    const origin = this.log.origin;
    const head = await this.#readHead();
    const note = await this.client.checkpoint();
    let fresh: { signed: SignedCheckpoint; heads: WitnessedHead[] };
    try {
      fresh = this.#open(note);
    } catch (e) {
      if (!isStamplogError(e) || e.code === 'INTERNAL') throw e;
      return this.#alertNow(head, [this.#alert('bad-checkpoint', `${origin}: /checkpoint does not verify: ${e.message}`, { code: e.code, note })]);
    }
    const cp = fresh.signed;
    const prev = head.latest === null ? undefined : this.#open(head.latest).signed;
    if (prev !== undefined) {
      const bigger = cp.checkpoint.size >= prev.checkpoint.size ? cp : prev;
      let result;
      try {
        result = await checkConsistency(prev, cp, () => this.client.tileReader({ size: bigger.checkpoint.size, root: bigger.checkpoint.rootHash }), {
          source: this.client.url,
        });
      } catch (e) {
        if (cp.checkpoint.size < prev.checkpoint.size) {
          // The log no longer serves the larger tree we hold: a rollback, or a stale cache we cannot tell apart.
          return this.#alertNow(head, [
            this.#alert('stale-checkpoint', `${origin}: /checkpoint has size ${cp.checkpoint.size}, below the ${prev.checkpoint.size} it signed before, and cannot be proven consistent`, {
              sizes: [prev.checkpoint.size, cp.checkpoint.size],
              note,
            }),
          ]);
        }
        // Tiles that do not authenticate against the log's own checkpoint are the log's fault; anything else
        // (network, 404, local failures) is operational and propagates.
        if (!isStamplogError(e) || (e.code !== 'PROOF_MISMATCH' && e.code !== 'MALFORMED')) throw e;
        return this.#alertNow(head, [this.#alert('bundle-mismatch', `${origin}: tiles do not match checkpoint ${cp.checkpoint.size}: ${e.message}`, { size: cp.checkpoint.size })]);
      }
      if (!result.consistent) {
        await this.#deps.evidence.add(result.evidence, this.client.url);
        return { origin, size: prev.checkpoint.size, audited: 0, cursor: head.cursor, alerts: [], evidence: result.evidence };
      }
      if (cp.checkpoint.size < prev.checkpoint.size) {
        // A stale but consistent view (a cache): nothing to do, nothing to move.
        return { origin, size: prev.checkpoint.size, audited: 0, cursor: head.cursor, alerts: [] };
      }
    }
    const checker = new ContentChecker(origin, this.#deps.checks, head.time);
    if (prev === undefined || cp.checkpoint.size > prev.checkpoint.size) {
      for (const h of fresh.heads) checker.addHead(h);
      checker.addHead({ size: cp.checkpoint.size, time: this.#clock(), by: 'this monitor' });
    }
    head.latest = cp.note;
    head.time = checker.timeState;
    this.#deps.onCheckpoint?.(cp, this.client.url);
    return this.#audit(head, cp, checker);
  }

  async #audit(head: HeadRecord, cp: SignedCheckpoint, checker: ContentChecker): Promise<PassResult> {
    const origin = this.log.origin;
    const size = cp.checkpoint.size;
    const compact = new CompactRange(head.cursor, head.border.map((b) => fromBase64(b, 32) ?? corrupt('border hash')));
    const reader = this.client.tileReader({ size, root: cp.checkpoint.rootHash });
    const lookup = this.#lookup();
    const all: Alert[] = [];
    const start = head.cursor;
    if (head.cursor === size) {
      // Nothing new: persist the (possibly re-cosigned) latest checkpoint and the time state.
      await this.#commit(head, [], { files: [], projects: [] });
      return { origin, size, audited: 0, cursor: head.cursor, alerts: [] };
    }
    const chunkEnd = (from: number) => Math.min(size, (Math.floor(from / CHUNK_LEAVES) + 1) * CHUNK_LEAVES);
    // The next chunk's bundles are fetched while this one is checked (network and CPU overlap).
    let prefetched: Promise<Uint8Array[]> | undefined = this.#fetchLeaves(head.cursor, chunkEnd(head.cursor), size);
    while (head.cursor < size && prefetched !== undefined) {
      const from = head.cursor;
      const to = chunkEnd(from);
      const leaves = await prefetched;
      prefetched = to < size ? this.#fetchLeaves(to, chunkEnd(to), size) : undefined;
      // A fetch still running when this pass ends early (a mismatch) must not become an unhandled rejection.
      prefetched?.catch(() => undefined);
      const decoded = leaves.map(decodeStrict);
      await checker.prefetch(decoded, lookup);
      const alerts: Alert[] = [];
      for (let i = 0; i < leaves.length; i++) {
        compact.append(leafHash(leaves[i]));
        alerts.push(...checker.check(from + i, decoded[i]));
      }
      // Authenticate before keeping anything: the chunk's leaves must be the checkpoint's tree.
      let ok: boolean;
      if (to === size) ok = hashEqual(compact.root(), cp.checkpoint.rootHash);
      else ok = compact.matches(await reader.readHashes(borderIndexes(to)));
      if (!ok) {
        const alert = this.#alert('bundle-mismatch', `${origin}: entry bundles for [${from}, ${to}) do not hash to checkpoint ${size}`, { range: [from, to], size });
        await this.#commit(head, [alert], { files: [], projects: [] });
        await this.#deps.alerter.emit([alert]);
        all.push(alert);
        break;
      }
      const at = new Date(this.#clock()).toISOString();
      for (const a of alerts) a.at = at;
      head.cursor = to;
      head.border = compact.hashes().map(toBase64);
      head.time = checker.timeState;
      await this.#commit(head, alerts, checker.takeChanges());
      await this.#deps.alerter.emit(alerts);
      all.push(...alerts);
      this.#deps.onProgress?.({ origin, cursor: to, size });
    }
    return { origin, size, audited: head.cursor - start, cursor: head.cursor, alerts: all };
  }

  /** Leaves [from, to) of the tree of `size` leaves, from entry bundles fetched FETCH_CONCURRENCY at a time. */
  async #fetchLeaves(from: number, to: number, size: number): Promise<Uint8Array[]> {
    const first = Math.floor(from / TILE_WIDTH);
    const last = Math.floor((to - 1) / TILE_WIDTH);
    const bundles: Uint8Array[][] = new Array<Uint8Array[]>(last - first + 1);
    let next = first;
    const worker = async () => {
      while (next <= last) {
        const n = next++;
        bundles[n - first] = await this.client.entryBundle(n, Math.min(TILE_WIDTH, size - n * TILE_WIDTH));
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, last - first + 1) }, worker));
    const out: Uint8Array[] = [];
    for (let n = first; n <= last; n++) {
      const b = bundles[n - first];
      const lo = Math.max(from, n * TILE_WIDTH) - n * TILE_WIDTH;
      const hi = Math.min(to, n * TILE_WIDTH + b.length) - n * TILE_WIDTH;
      for (let i = lo; i < hi; i++) out.push(b[i]);
    }
    if (out.length !== to - from) throw new StamplogError('MALFORMED', `${this.log.origin}: entry bundles hold ${out.length} of ${to - from} leaves`);
    return out;
  }

  /** One atomic, synced write of a chunk's records, its alerts and the head. */
  async #commit(head: HeadRecord, alerts: Alert[], changes: { files: [string, FilenameRecord][]; projects: [string, ProjectRecord][] }): Promise<void> {
    const b = this.#deps.store.batch();
    for (const [name, r] of changes.files) b.put(this.#key('f', name), `${r.index} ${r.sha256}`);
    for (const [name, r] of changes.projects) b.put(this.#key('p', name), JSON.stringify(r));
    for (const a of alerts) b.putRecord(this.#key('alert', String(head.alerts++).padStart(12, '0')), a);
    b.putRecord(this.#key('head'), head);
    await b.write();
  }

  #lookup(): CheckLookup {
    const store = this.#deps.store;
    return {
      filenames: async (names) =>
        (await store.getMany(names.map((n) => this.#key('f', n)))).map((v) => {
          if (v === undefined) return undefined;
          const m = /^(0|[1-9][0-9]*) ([0-9a-f]{64})$/.exec(v);
          if (m === null) corrupt('filename record');
          return { index: Number(m[1]), sha256: m[2] };
        }),
      projects: async (names) =>
        (await store.getMany(names.map((n) => this.#key('p', n)))).map((v) => {
          if (v === undefined) return undefined;
          try {
            const r = JSON.parse(v) as ProjectRecord;
            if (!Array.isArray(r.keys)) throw new Error('keys');
            return r;
          } catch {
            return corrupt('project record');
          }
        }),
    };
  }

  /** The alerts stored for this log, oldest first. */
  async storedAlerts(): Promise<Alert[]> {
    const out: Alert[] = [];
    const prefix = `${this.#key('alert')}/`;
    for await (const [k] of this.#deps.store.entries(prefix)) {
      const a = await this.#deps.store.getRecord(k, (v) => v as Alert);
      if (a !== undefined) out.push(a);
    }
    return out;
  }
}

function corrupt(what: string): never {
  throw new StamplogError('CORRUPTION', `local monitor state: a ${what} is corrupted`);
}


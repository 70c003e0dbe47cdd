/**
 * Follow and audit one log over C2SP tlog-tiles. One `pass()`:
 *
 *   1. GET /checkpoint; verify the log's signature and origin (openCheckpoint), read the verified cosignature
 *      times of the policy's witnesses. A checkpoint that does not verify is a `bad-checkpoint` alert.
 *   2. Prove it consistent with `latest`, the largest checkpoint already proven (trust on first use for the
 *      first): from the larger tree's tiles, MTH(D_new[0:old]) must equal the old root (findings/
 *      checkConsistency, authenticated tile reads through src/client's TileClient). An inconsistent pair is stored as evidence and alerted; a
 *      smaller checkpoint signed later (by a trusted time) is stored as rollback evidence, one that cannot be
 *      decided is a `rollback` alert; a larger one whose tiles the log does not serve is an
 *      `unproven-checkpoint` alert holding its signed note (see #compareHeads). None of them moves state.
 *   3. Audit the new leaves [cursor, size) in chunks of up to 65,536 leaves aligned to 65,536. Entry bundles
 *      are fetched a few ahead, in order, and every leaf of them hashed (RFC 6962, src/merkle hashEntryBundle), in a
 *      worker thread for a long audit (bundles.ts, bundleworker.ts). A bundle at a time, the leaf hashes go into
 *      the compact range (src/merkle CompactRange; a whole bundle as its subtree), every leaf is decoded strictly
 *      (src/leaf decodeLeafFast's walk, falling back to decodeLeaf) and checked (checks/), and the records it changes go into the chunk's
 *      unwritten batch. Then the chunk is authenticated before any of it is believed: the border of [0, end)
 *      must equal the hashes that the checkpoint's tiles give for those subtrees (or, at the end, the root
 *      itself). A mismatch is a `bundle-mismatch` alert and nothing of the chunk is kept.
 *   4. Commit the chunk in ONE synced LevelDB batch (records.ts): new filename and project records, the chunk's
 *      alerts, and the head record {latest, cursor, border, time state}. A crash before the write loses only
 *      the chunk, redone on restart; after it, the audit resumes at the new cursor. Alerts are emitted after
 *      the commit (stored first, so none is lost). The write runs while the next chunk is fetched, hashed and
 *      decoded; that chunk's record lookups wait for it, so they see its records.
 *
 * Filename records are read only for names that a per-log NameFilter (checks/namefilter.ts) may hold: it is built
 * from the stored records when a follower of this store first audits the log (or when the log outgrows it) and
 * gets every filename the checks add, so "certainly not there" needs no read (see checks/checks.ts).
 *
 * The head record is checksummed: a torn or altered state is a CORRUPTION error about the local state,
 * never an alert about the log.
 */
import { StamplogError, isStamplogError, fromBase64, toBase64 } from '../../src/base/index.ts';
import { TileClient } from '../../src/client/index.ts';
import { CompactRange, TILE_HEIGHT, TILE_WIDTH, hashEqual, treeHashIndexes, treeHashNodes } from '../../src/merkle/index.ts';
import { cosignatureTimestamp, openCheckpoint } from '../../src/note/index.ts';
import { ContentChecker, decodeStrictAt } from '../checks/index.ts';
import type { CheckLookup, CheckOptions, DecodedLeaf, WitnessedHead } from '../checks/index.ts';
import type { MonitoredLog } from '../config.ts';
import { checkConsistency, pairId, rollbackEvidence, rollbackId } from '../findings/index.ts';
import type { Alert, Alerter, ConsistencyResult, Evidence, EvidenceLog, SignedCheckpoint } from '../findings/index.ts';
import type { MonitorStore, StoreBatch } from '../state/index.ts';
import type { BundleSource } from './bundles.ts';
import { openBundles } from './bundleworker.ts';
import { LogRecords, corrupt } from './records.ts';
import type { HeadRecord } from './records.ts';

/** Leaves per audited chunk (a power of two ≥ 256, so chunks end on bundle and subtree boundaries). */
export const CHUNK_LEAVES = 1 << 16;
/** Most findings about tree heads remembered as already alerted (HeadRecord.flagged). */
const MAX_FLAGGED = 64;

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
  /** Set when this pass found (or found again) evidence against the log: equivocation or rollback. */
  evidence?: Evidence;
  /** Set when a finding about tree heads without evidence stands (raised in this pass or an earlier one). */
  standing?: string;
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
  /**
   * Fetch and hash entry bundles in a worker thread (true) or in this one (false); by default a worker for
   * long audits (bundleworker.ts openBundles).
   */
  bundleWorker?: boolean;
}

export class Follower {
  readonly log: MonitoredLog;
  readonly client: TileClient;
  readonly #deps: FollowerDeps;
  readonly #records: LogRecords;
  readonly #clock: () => number;
  #running: Promise<PassResult> | undefined;

  constructor(log: MonitoredLog, deps: FollowerDeps) {
    if (log.url === undefined) throw new StamplogError('MALFORMED', `log ${log.origin} has no URL to follow`);
    this.log = log;
    this.client = new TileClient(log.url);
    this.#deps = deps;
    this.#records = new LogRecords(deps.store, log.origin);
    this.#clock = deps.clock ?? Date.now;
  }

  /** The alerts stored for this log, oldest first. */
  storedAlerts(): Promise<Alert[]> {
    return this.#records.storedAlerts();
  }

  /** The largest checkpoint this follower has proven consistent, if any. */
  async latest(): Promise<SignedCheckpoint | undefined> {
    const h = await this.#records.readHead();
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
    await this.#records.commit(head, alerts);
    await this.#deps.alerter.emit(alerts);
    const latest = head.latest === null ? undefined : this.#open(head.latest).signed.checkpoint.size;
    return { origin: this.log.origin, ...(latest === undefined ? {} : { size: latest }), audited: 0, cursor: head.cursor, alerts };
  }

  #alert(type: Alert['type'], message: string, details: Record<string, unknown>, indexes: number[] = []): Alert {
    return { type, origin: this.log.origin, indexes, message, details, at: new Date(this.#clock()).toISOString() };
  }

  async #pass(): Promise<PassResult> {
    const origin = this.log.origin;
    const head = await this.#records.readHead();
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
      const held = await this.#compareHeads(head, prev, cp);
      if (held !== undefined) return held;
    }
    const filter = head.cursor < cp.checkpoint.size ? await this.#records.filenameFilter(cp.checkpoint.size) : undefined;
    const checker = new ContentChecker(origin, this.#deps.checks, head.time, filter);
    if (prev === undefined || cp.checkpoint.size > prev.checkpoint.size) {
      for (const h of fresh.heads) checker.addHead(h);
      checker.addHead({ size: cp.checkpoint.size, time: this.#clock(), by: 'this monitor' });
    }
    head.latest = cp.note;
    head.time = checker.timeState;
    this.#deps.onCheckpoint?.(cp, this.client.url);
    return this.#audit(head, cp, checker);
  }

  /**
   * Step 2 of a pass: `cp`, just served and verified, against `prev`, the checkpoint held. Returns the pass's
   * result when `cp` is not to be audited (a finding, or a consistent smaller view), undefined to audit it.
   *
   * - Inconsistent (decided from the larger tree's tiles): equivocation evidence.
   * - Smaller than `prev`: the log went back. With a trusted signed time (a policy witness, e.g. the log's own
   *   timestamp key, cosigned both and the smaller one later) that is rollback evidence, whether or not the
   *   trees are consistent; without one, a consistent smaller view may be an old copy (a cache) and is let be,
   *   and one that cannot be decided (the log no longer serves the larger tree, as after a restore from a
   *   backup) is a `rollback` alert holding both signed notes.
   * - Larger but its tree not served (404 for the tiles that prove it): an `unproven-checkpoint` alert holding
   *   the signed note (the log signed a tree it will not show: a split view, or tiles lost).
   * Alerts that carry no stored evidence are raised once per pair of checkpoints (`flagged`); PassResult.standing
   * tells every later pass that the finding still stands.
   */
  async #compareHeads(head: HeadRecord, prev: SignedCheckpoint, cp: SignedCheckpoint): Promise<PassResult | undefined> {
    const origin = this.log.origin;
    const smaller = cp.checkpoint.size < prev.checkpoint.size;
    const bigger = smaller ? prev : cp;
    let result: ConsistencyResult | undefined;
    let undecided: StamplogError | undefined;
    try {
      result = await checkConsistency(prev, cp, () => this.client.tileReader({ size: bigger.checkpoint.size, root: bigger.checkpoint.rootHash }), {
        source: this.client.url,
      });
    } catch (e) {
      // Tiles that are missing (404) or do not authenticate against the larger checkpoint decide nothing but
      // are the log's doing; anything else (network, local failures) is operational and propagates.
      if (!isStamplogError(e) || (e.code !== 'NOT_FOUND' && e.code !== 'PROOF_MISMATCH' && e.code !== 'MALFORMED')) throw e;
      undecided = e;
    }
    const unchanged = { origin, size: prev.checkpoint.size, audited: 0, cursor: head.cursor, alerts: [] };
    if (result !== undefined && !result.consistent) {
      await this.#deps.evidence.add(result.evidence, this.client.url);
      return { ...unchanged, evidence: result.evidence };
    }
    if (smaller) {
      const timeVerifiers = this.log.witnesses.map((w) => w.verifier);
      const rollback = rollbackEvidence(prev, cp, { logKey: this.log.verifier, timeVerifiers, observed: { source: this.client.url } });
      if (rollback !== undefined) {
        await this.#deps.evidence.add(rollback, this.client.url);
        return { ...unchanged, evidence: rollback };
      }
      // A stale but consistent view (a cache): nothing to do, nothing to move.
      if (undecided === undefined) return unchanged;
      return this.#flagOnce(head, `rollback ${rollbackId(prev.checkpoint, cp.checkpoint)}`, () =>
        this.#alert(
          'rollback',
          `${origin}: /checkpoint has size ${cp.checkpoint.size}, below the ${prev.checkpoint.size} it signed before, and the log no longer serves the larger tree (${undecided?.message}); no trusted signed time orders the two, so this is no third-party evidence (list the log's timestamp key as a witness in the policy)`,
          { sizes: [prev.checkpoint.size, cp.checkpoint.size], checkpoints: [prev.note, cp.note], reason: undecided?.code },
        ),
      );
    }
    if (undecided === undefined) return undefined;
    if (undecided.code !== 'NOT_FOUND') {
      return this.#alertNow(head, [this.#alert('bundle-mismatch', `${origin}: tiles do not match checkpoint ${cp.checkpoint.size}: ${undecided.message}`, { size: cp.checkpoint.size })]);
    }
    return this.#flagOnce(head, `unproven ${pairId(prev.checkpoint, cp.checkpoint)}`, () =>
      this.#alert(
        'unproven-checkpoint',
        `${origin}: the log signed a checkpoint of size ${cp.checkpoint.size} but serves no tiles to prove it extends the ${prev.checkpoint.size} held (${undecided?.message})`,
        { sizes: [prev.checkpoint.size, cp.checkpoint.size], note: cp.note, held: prev.note },
      ),
    );
  }

  /**
   * Raises the alert `make()` unless the finding `id` was already raised for this log (the ids of the last
   * MAX_FLAGGED are kept in the head record); either way the result says the finding stands.
   */
  async #flagOnce(head: HeadRecord, id: string, make: () => Alert): Promise<PassResult> {
    const flagged = head.flagged ?? [];
    if (flagged.includes(id)) {
      const size = head.latest === null ? undefined : this.#open(head.latest).signed.checkpoint.size;
      return { origin: this.log.origin, ...(size === undefined ? {} : { size }), audited: 0, cursor: head.cursor, alerts: [], standing: id };
    }
    head.flagged = [...flagged, id].slice(-MAX_FLAGGED);
    return { ...(await this.#alertNow(head, [make()])), standing: id };
  }

  async #audit(head: HeadRecord, cp: SignedCheckpoint, checker: ContentChecker): Promise<PassResult> {
    const origin = this.log.origin;
    const size = cp.checkpoint.size;
    const compact = new CompactRange(head.cursor, head.border.map((b) => fromBase64(b, 32) ?? corrupt('border hash')));
    const reader = this.client.tileReader({ size, root: cp.checkpoint.rootHash });
    const all: Alert[] = [];
    const start = head.cursor;
    if (head.cursor === size) {
      // Nothing new: persist the (possibly re-cosigned) latest checkpoint and the time state.
      await this.#records.commit(head, []);
      return { origin, size, audited: 0, cursor: head.cursor, alerts: [] };
    }
    const chunkEnd = (from: number) => Math.min(size, (Math.floor(from / CHUNK_LEAVES) + 1) * CHUNK_LEAVES);
    const stream = openBundles({ client: this.client, first: Math.floor(start / TILE_WIDTH), last: Math.floor((size - 1) / TILE_WIDTH), size, worker: this.#deps.bundleWorker });
    // The previous chunk's write, then its alerts and progress (see the module comment, step 4). Record reads
    // wait for it, so that they see its records.
    let stored: Promise<void> | undefined;
    const lookup = this.#records.lookup(() => stored);
    try {
      while (head.cursor < size) {
        const from = head.cursor;
        const to = chunkEnd(from);
        const batch = this.#deps.store.batch();
        let alerts: Alert[];
        let ok: boolean;
        try {
          alerts = await this.#auditChunk(stream, from, to, { compact, checker, lookup, batch });
          this.#records.putDirty(batch, checker);
          checker.takeChanges(); // nothing left to take: this forgets the chunk's records, now in the batch
          // Authenticate before keeping anything: the chunk's leaves must be the checkpoint's tree.
          if (to === size) ok = hashEqual(compact.root(), cp.checkpoint.rootHash);
          else ok = compact.matches(await reader.readHashes(treeHashIndexes(to)));
          // One write at a time, in order: the previous chunk's must be done before this one's starts.
          if (stored !== undefined) await stored;
          stored = undefined;
        } catch (e) {
          await batch.discard();
          throw e;
        }
        if (!ok) {
          await batch.discard();
          const alert = this.#alert('bundle-mismatch', `${origin}: entry bundles for [${from}, ${to}) do not hash to checkpoint ${size}`, { range: [from, to], size });
          await this.#records.commit(head, [alert]);
          await this.#deps.alerter.emit([alert]);
          all.push(alert);
          break;
        }
        const at = new Date(this.#clock()).toISOString();
        for (const a of alerts) a.at = at;
        head.cursor = to;
        head.border = compact.hashes().map(toBase64);
        head.time = checker.timeState;
        // The head record is serialized now; only the write itself runs on, while the next chunk is read.
        this.#records.putHead(batch, head, alerts);
        stored = batch.write().then(async () => {
          await this.#deps.alerter.emit(alerts);
          all.push(...alerts);
          this.#deps.onProgress?.({ origin, cursor: to, size });
        });
        // Observed when awaited; until then a failure must not count as an unhandled rejection.
        stored.catch(() => undefined);
      }
      if (stored !== undefined) await stored;
    } catch (e) {
      // Nothing may still be writing when the pass ends; the first failure is the one reported.
      await stored?.catch(() => undefined);
      throw e;
    } finally {
      await stream.close();
    }
    return { origin, size, audited: head.cursor - start, cursor: head.cursor, alerts: all };
  }

  /**
   * Audits leaves [from, to) from `stream`, a bundle at a time: each leaf's hash appended to `compact` (a whole
   * bundle as its subtree), each leaf decoded strictly and checked in index order, the records it changes put
   * into `batch` (unwritten). Returns the findings.
   */
  async #auditChunk(
    stream: BundleSource,
    from: number,
    to: number,
    c: { compact: CompactRange; checker: ContentChecker; lookup: CheckLookup; batch: StoreBatch },
  ): Promise<Alert[]> {
    const { compact, checker } = c;
    const alerts: Alert[] = [];
    let index = from;
    for (let n = Math.floor(from / TILE_WIDTH); n * TILE_WIDTH < to; n++) {
      const { bytes, at, count, leafHashes, root } = await stream.take();
      const lo = Math.max(from - n * TILE_WIDTH, 0);
      const hi = Math.min(to - n * TILE_WIDTH, count);
      if (lo > 0) this.#checkAuditedPrefix(n, lo, leafHashes, compact, alerts);
      if (lo === 0 && hi === TILE_WIDTH && root !== undefined) compact.appendSubtree(TILE_HEIGHT, root);
      else for (let i = lo; i < hi; i++) compact.append(leafHashes.slice(32 * i, 32 * i + 32));
      const decoded: DecodedLeaf[] = new Array<DecodedLeaf>(Math.max(hi - lo, 0));
      for (let i = lo; i < hi; i++) decoded[i - lo] = decodeStrictAt(bytes, at[i] + 2, at[i + 1]);
      // Checked a bundle at a time, so a bundle's decoded leaves are garbage before the next one arrives.
      await checker.prefetch(decoded, c.lookup);
      for (const d of decoded) checker.checkInto(index++, d, alerts);
      this.#records.putDirty(c.batch, checker);
    }
    if (index !== to) throw new StamplogError('MALFORMED', `${this.log.origin}: entry bundles hold ${index - from} of ${to - from} leaves`);
    return alerts;
  }

  /**
   * Bundle `n`, re-fetched now that the tree has grown past it, must still hold the `lo` leaves already audited
   * from its partial form: they are authenticated only through the border held for [0, n·256 + lo) (the
   * audit appends just the new leaves), so the border nodes below n·256 are recomputed from the re-fetched
   * leaves and compared. A difference means the log serves other leaves at indexes it already served, under
   * the same tree: a `bundle-altered` alert naming the leaves of the nodes that differ. The audit goes on
   * (what it authenticates next does not depend on these leaves).
   */
  #checkAuditedPrefix(n: number, lo: number, leafHashes: Uint8Array, compact: CompactRange, alerts: Alert[]): void {
    const base = n * TILE_WIDTH;
    const held = compact.hashes();
    const keep = treeHashIndexes(base).length;
    const again = new CompactRange(base, held.slice(0, keep));
    for (let i = 0; i < lo; i++) again.append(leafHashes.subarray(32 * i, 32 * i + 32));
    const got = again.hashes();
    const nodes = treeHashNodes(base + lo);
    const indexes: number[] = [];
    for (let j = keep; j < nodes.length; j++) {
      if (hashEqual(got[j], held[j])) continue;
      const span = 2 ** nodes[j].level;
      for (let i = nodes[j].index * span; i < (nodes[j].index + 1) * span; i++) indexes.push(i);
    }
    if (indexes.length === 0) return;
    alerts.push(
      this.#alert(
        'bundle-altered',
        `${this.log.origin}: entry bundle ${n} re-fetched holds other leaves among [${indexes[0]}, ${indexes[indexes.length - 1] + 1}) than the ones audited before`,
        { bundle: n, audited: [base, base + lo], leaves: indexes.length },
        indexes,
      ),
    );
  }

}

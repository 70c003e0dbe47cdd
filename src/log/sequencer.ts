/**
 * The sequencer: the one place where entries become leaves. It implements DESIGN §4's contract, one batch at
 * a time (never two batches in flight, so there is exactly one writer of the tree):
 *
 *   1. Submissions wait in a bounded queue; a batch closes after `batchMs` or at `batchMax` entries (when the
 *      previous batch is still committing, the next one simply takes everything that queued meanwhile).
 *   2. The batch is deduplicated (against the store and within itself), given consecutive indexes and one
 *      log time (never earlier than a time already issued).
 *   3. Leaves, changed hash tiles, dedup and search rows and the new size go to the store in ONE atomic,
 *      synced commit. Nothing is acknowledged before it resolves.
 *   4. The new root is recomputed from what the store now holds and compared with the in-memory tree; a
 *      mismatch stops the log for good (a flipped bit must never be signed).
 *   5. The checkpoint is signed and persisted; only then is every waiting submitter answered.
 *
 * Failure model: if anything in steps 3–5 fails, the in-memory state can no longer be trusted to equal the
 * durable state (a commit may have reached the disk and still reported failure), so the sequencer stops and
 * refuses all later writes; a restart re-verifies everything from storage (see log.ts).
 */
import { StamplogError } from '../errors.ts';
import type { Hash } from '../merkle/hash.ts';
import { leafHash } from '../merkle/hash.ts';
import type { Entry, Submission } from '../leaf/types.ts';
import type { LogStore, SearchRow } from '../store/types.ts';
import { encodeLeaf, makeEntry, dedupKey } from '../leaf/index.ts';
import { toHex } from '../leaf/codec.ts';
import type { WorkingTree } from './tree.ts';
import { changedTiles, verifyPersistedBatch } from './tree.ts';

export interface SequencerOptions {
  /** How long a batch stays open for more submissions when the log is idle (ms). */
  batchMs: number;
  /** The most entries one batch (one commit, one checkpoint) holds. */
  batchMax: number;
  /**
   * The most submissions waiting; beyond it, appends are refused with PUSHBACK (HTTP 503). A single request
   * larger than this is admitted only into an empty queue.
   */
  maxQueue: number;
  /**
   * How far the clock may step back behind the latest issued time before appends are refused (ms). Within
   * this tolerance, leaves get the latest issued time again (times never decrease); beyond it, the log refuses
   * writes with PUSHBACK until the clock has caught up, rather than sign a time it knows to be wrong.
   */
  maxClockBackMs: number;
}

export const DEFAULT_SEQUENCER_OPTIONS: SequencerOptions = {
  batchMs: 2,
  batchMax: 4096,
  maxQueue: 65_536,
  maxClockBackMs: 5_000,
};

/** Signs the checkpoint for a persisted, re-verified tree; returns the signed note. */
export type CheckpointSigner = (size: number, root: Hash, timeMs: number) => string;

/** What the sequencer answers for one submission. */
export interface Sequenced {
  index: number;
  entry: Entry;
  leaf: Uint8Array;
  leafHash: Hash;
  /** True when an identical entry was already logged; `index` is then the original's. */
  duplicate: boolean;
}

/** What the sequencer answers for one request (one or more submissions). */
export interface SequencedBatch {
  items: Sequenced[];
  /** The signed checkpoint that includes every item (tree size ≥ every index + 1). */
  checkpoint: { size: number; root: Hash; note: string };
}

interface Waiter {
  subs: Submission[];
  keys: string[];
  resolve(result: SequencedBatch): void;
  reject(error: unknown): void;
}

export interface SequencerState {
  /** The size of the persisted, verified tree. */
  size: number;
  /** The latest time (ms) issued in a leaf or checkpoint. */
  lastTime: number;
  checkpoint: { size: number; root: Hash; note: string };
}

export class Sequencer {
  private readonly queue: Waiter[] = [];
  private queued = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private stopped: StamplogError | undefined;
  private closing = false;
  private idle: Promise<void> = Promise.resolve();
  private lastTime: number;
  private current: { size: number; root: Hash; note: string };

  constructor(
    private readonly store: LogStore,
    private readonly tree: WorkingTree,
    private readonly sign: CheckpointSigner,
    private readonly clock: () => number,
    private readonly opts: SequencerOptions,
    state: SequencerState,
    /** Reads back an already-logged leaf (for dedup answers). */
    private readonly readLeaf: (index: number) => Promise<{ entry: Entry; leaf: Uint8Array }>,
  ) {
    this.lastTime = state.lastTime;
    this.current = state.checkpoint;
  }

  /** The newest signed checkpoint. */
  get checkpoint(): { size: number; root: Hash; note: string } {
    return this.current;
  }

  /** Why the sequencer stopped, if it did. */
  get failure(): StamplogError | undefined {
    return this.stopped;
  }

  /** Number of submissions waiting. */
  get queueLength(): number {
    return this.queued;
  }

  /**
   * Queues `subs` (already validated and signature-checked) and resolves once all of them are durably logged
   * and covered by a signed checkpoint. Rejects with PUSHBACK when the queue is full or the clock is behind,
   * and with the stop reason when the sequencer has stopped.
   */
  submit(subs: Submission[]): Promise<SequencedBatch> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.closing) return Promise.reject(new StamplogError('PUSHBACK', 'the log is shutting down'));
    // The queue holds at most maxQueue submissions, except that one request is always admitted into an empty
    // queue (a batch larger than maxQueue would otherwise be refused forever, whatever its Retry-After said).
    if (this.queued > 0 && this.queued + subs.length > this.opts.maxQueue) {
      return Promise.reject(new StamplogError('PUSHBACK', 'the log is overloaded; retry later', { details: { retryAfterSeconds: 1 } }));
    }
    return new Promise<SequencedBatch>((resolve, reject) => {
      this.queue.push({ subs, keys: subs.map(dedupKey), resolve, reject });
      this.queued += subs.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.timer !== undefined) return;
    const delay = this.queued >= this.opts.batchMax ? 0 : this.opts.batchMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.idle = this.runBatches();
    }, delay);
  }

  /** Runs batches until the queue is empty. */
  private async runBatches(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const waiters = this.takeBatch();
        try {
          const results = await this.sequence(waiters);
          waiters.forEach((w, i) => w.resolve(results[i]));
        } catch (e) {
          const err = e instanceof StamplogError ? e : new StamplogError('INTERNAL', 'sequencing failed', { cause: e });
          if (err.code !== 'PUSHBACK') this.stopped = err;
          for (const w of waiters) w.reject(err);
          if (this.stopped) for (const w of this.queue.splice(0)) w.reject(err);
        }
      }
    } finally {
      this.running = false;
      this.queued = this.queue.reduce((n, w) => n + w.subs.length, 0);
    }
  }

  /** Takes whole requests from the head of the queue, up to batchMax entries (at least one request). */
  private takeBatch(): Waiter[] {
    const taken: Waiter[] = [];
    let n = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (taken.length > 0 && n + next.subs.length > this.opts.batchMax) break;
      taken.push(this.queue.shift() as Waiter);
      n += next.subs.length;
    }
    this.queued -= n;
    return taken;
  }

  /** The log time for the next batch: now, but never before a time already issued (see maxClockBackMs). */
  private nextTime(): number {
    const now = this.clock();
    if (now < this.lastTime - this.opts.maxClockBackMs) {
      throw new StamplogError(
        'PUSHBACK',
        `the log's clock is ${this.lastTime - now} ms behind the latest time it issued; refusing to sequence until it catches up`,
        { details: { retryAfterSeconds: Math.min(3600, Math.ceil((this.lastTime - now) / 1000)) } },
      );
    }
    return Math.max(now, this.lastTime);
  }

  private async sequence(waiters: Waiter[]): Promise<SequencedBatch[]> {
    const time = this.nextTime();
    const fromSize = this.tree.size;

    // Step 2: dedup against the store (one lookup for the batch) and within the batch.
    const allKeys = waiters.flatMap((w) => w.keys);
    const uniqueKeys = [...new Set(allKeys)];
    const found = await this.store.lookupDedup(uniqueKeys);
    const known = new Map<string, number>();
    uniqueKeys.forEach((k, i) => {
      const idx = found[i];
      if (idx !== undefined) known.set(k, idx);
    });

    const fresh = new Map<string, Sequenced>();
    const leaves: Uint8Array[] = [];
    const search: SearchRow[] = [];
    const dedup: { key: string; index: number }[] = [];
    for (const w of waiters) {
      w.subs.forEach((sub, i) => {
        const key = w.keys[i];
        if (known.has(key) || fresh.has(key)) return;
        const index = fromSize + leaves.length;
        const entry = makeEntry(sub, time);
        const leaf = encodeLeaf(entry);
        const hash = leafHash(leaf);
        this.tree.appendLeafHash(hash);
        leaves.push(leaf);
        fresh.set(key, { index, entry, leaf, leafHash: hash, duplicate: false });
        dedup.push({ key, index });
        search.push(...searchRows(entry, index, hash));
      });
    }
    const toSize = fromSize + leaves.length;

    if (leaves.length > 0) {
      // Step 3: one atomic, synced write. A crash before it resolves leaves the batch wholly absent or wholly
      // present after restart; either way nobody was answered (a present batch is re-verified and signed then).
      await this.store.commit({ fromSize, leaves, tiles: changedTiles(this.tree, fromSize, toSize), dedup, search });
      // Step 4: read back every leaf and tile of the batch, compare with the in-memory tree, recompute the root
      // from the stored tiles. A mismatch throws CORRUPTION and stops the log before anything is signed; a
      // crash here is like a crash after step 3 (the restart re-verifies everything from storage).
      await verifyPersistedBatch(this.store, this.tree, fromSize, toSize);
    }

    // Step 5: sign the re-verified tree and persist the checkpoint; only then answer. A crash before
    // putCheckpoint resolves leaves the batch durable but unsigned (the restart signs it); a crash after it
    // leaves waiters unanswered, and their retries get the same indexes back through dedup.
    if (toSize !== this.current.size) {
      const root = this.tree.root();
      const note = this.sign(toSize, root, time);
      await this.store.putCheckpoint(toSize, note);
      this.current = { size: toSize, root, note };
    }
    this.lastTime = time;

    // Each new leaf is answered as new to the first request that asked for it, as a duplicate to the rest.
    const out: SequencedBatch[] = [];
    const answered = new Set<string>();
    for (const w of waiters) {
      const items: Sequenced[] = [];
      for (const key of w.keys) {
        const f = fresh.get(key);
        if (f !== undefined) {
          items.push(answered.has(key) ? { ...f, duplicate: true } : f);
          answered.add(key);
          continue;
        }
        // A dedup row that points beyond the tree or at another entry means storage was altered: never answer
        // with someone else's leaf.
        const index = known.get(key) as number;
        if (index >= fromSize) throw new StamplogError('CORRUPTION', `a stored dedup row points at index ${index}, beyond the tree (${fromSize})`);
        const { entry, leaf } = await this.readLeaf(index);
        if (dedupKey(entry) !== key) throw new StamplogError('CORRUPTION', `a stored dedup row points at leaf ${index}, which holds another entry`);
        items.push({ index, entry, leaf, leafHash: leafHash(leaf), duplicate: true });
      }
      out.push({ items, checkpoint: this.current });
    }
    return out;
  }

  /** Stops taking submissions, sequences everything already queued, and resolves when done. */
  async drain(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.idle = this.runBatches();
    }
    await this.idle;
    if (this.queue.length > 0 && !this.stopped) await this.runBatches();
  }
}

/** The search rows for an entry (DESIGN §4 search by sha256, filename, project and project+version). */
export function searchRows(entry: Entry, index: number, leafHashValue: Hash): SearchRow[] {
  const s = entry.subject;
  return [
    { field: 'leafHash', key: toHex(leafHashValue), index },
    { field: 'sha256', key: toHex(s.sha256), index },
    { field: 'filename', key: s.filename, index },
    { field: 'project', key: s.project, index },
    { field: 'projectVersion', key: `${s.project}\u0000${s.version}`, index },
  ];
}

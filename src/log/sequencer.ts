/**
 * The sequencer: the one place where entries become leaves. It implements DESIGN §4's contract for each
 * batch, in order:
 *
 *   1. Submissions wait in a bounded queue; a batch closes after `batchMs` or at `batchMax` entries (when the
 *      previous batch is still committing, the next one simply takes everything that queued meanwhile).
 *   2. The batch is deduplicated (against the store, asked only about keys its DedupFilter may hold, and within
 *      itself), given consecutive indexes and one log time (never earlier than a time already issued): batch.ts
 *      builds it, logtime.ts issues the time.
 *   3. Leaves, changed hash tiles, dedup and search rows and the new size go to the store in ONE atomic,
 *      synced commit. Nothing is acknowledged before it resolves.
 *   4. The new root is recomputed from what the store now holds and compared with the in-memory tree; a
 *      mismatch stops the log for good (a flipped bit must never be signed).
 *   5. The checkpoint is signed and made durable (in the checkpoint lock when there is one, the store's copy then
 *      following behind; in the store otherwise); only then is every waiting submitter answered.
 *
 * Pipelining: steps 1–3 of batch k+1 (CPU on this thread) may run while batch k's commit is in LevelDB's
 * threads (steps 3–5); at most PIPELINE_DEPTH batches are in flight. Each step still happens in batch order:
 * commits are serialised by the store (each must extend the size the previous one left), batch k+1 is
 * verified, signed and answered only after batch k, and its dedup looks at batch k's keys in memory until
 * they are in the store. There is still exactly one writer of the tree: this object.
 *
 * Failure model: if anything in steps 3–5 fails, the in-memory state can no longer be trusted to equal the
 * durable state (a commit may have reached the disk and still reported failure), so the sequencer stops and
 * refuses all later writes, including the batches already in flight behind the failed one; a restart
 * re-verifies everything from storage (see open.ts).
 */
import { StamplogError } from '../base/index.ts';
import type { Hash } from '../merkle/index.ts';
import type { Entry, Submission } from '../leaf/index.ts';
import { dedupKey } from '../leaf/index.ts';
import type { LogStore } from '../store/index.ts';
import { storageFailure } from '../store/index.ts';
import { answerWaiters, buildBatch, findKnown } from './batch.ts';
import type { Sequenced, SequencedBatch, Waiter } from './batch.ts';
import type { DedupFilter } from './dedupfilter.ts';
import { LogTime } from './logtime.ts';
import type { WorkingTree } from './tree.ts';
import { changedTiles, verifyPersistedBatch } from './tree.ts';

export type { Sequenced, SequencedBatch } from './batch.ts';

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
   * writes with CLOCK_BEHIND until the clock has caught up, rather than sign a time it knows to be wrong.
   */
  maxClockBackMs: number;
  /**
   * How far the wall clock may run ahead of the monotonic clock's elapsed time since the last issued time (ms),
   * when a monotonic clock is given. Beyond it the clock jumped forward: appends are refused with CLOCK_AHEAD
   * rather than issue a time that could not be taken back (every later time would have to wait for it).
   */
  maxClockJumpMs: number;
}

export const DEFAULT_SEQUENCER_OPTIONS: SequencerOptions = {
  batchMs: 2,
  batchMax: 4096,
  maxQueue: 65_536,
  maxClockBackMs: 5_000,
  maxClockJumpMs: 60_000,
};

/** Signs the checkpoint for a persisted, re-verified tree; returns the signed note. */
export type CheckpointSigner = (size: number, root: Hash, timeMs: number) => string;

/** A batch after steps 1–3 were started: its leaves are in the tree and its commit is under way. */
interface Prepared {
  waiters: Waiter[];
  time: number;
  fromSize: number;
  toSize: number;
  /** New entries by dedup key, in index order. */
  fresh: Map<string, Sequenced>;
  /** Keys already logged before this batch (store rows or earlier batches in flight), and their index. */
  known: Map<string, number>;
  commit: Promise<void>;
}

/** How many batches may be between "leaves appended to the tree" and "answered" at once. */
const PIPELINE_DEPTH = 2;
/** The fewest queued entries for which a second batch starts before the previous one is answered. */
const PIPELINE_MIN_ENTRIES = 512;

export interface SequencerState {
  /** The latest time (ms) issued in a leaf or checkpoint. */
  lastTime: number;
  checkpoint: { size: number; root: Hash; note: string };
}

/** What a sequencer works with (one named object rather than positional parameters). */
export interface SequencerDeps {
  store: LogStore;
  tree: WorkingTree;
  sign: CheckpointSigner;
  /**
   * Durably records each signed checkpoint (the checkpoint lock) before it is served or anybody answered; a throw
   * stops the sequencer like a failed commit. With it, the store's own copy of the checkpoint is written behind
   * the answer (its failure stops the sequencer too); without it, the answer waits for the store's copy.
   */
  record?: ((note: string) => void) | undefined;
  /** Wall clock, ms since the epoch. */
  clock: () => number;
  /** A clock that never jumps (ms, any origin), for maxClockJumpMs; without it, forward jumps are not detected. */
  monotonic?: () => number;
  options: SequencerOptions;
  state: SequencerState;
  /** Reads back an already-logged leaf (for dedup answers). */
  readLeaf: (index: number) => Promise<{ entry: Entry; leaf: Uint8Array }>;
  /** Every dedup key in the store (and more): keys it does not hold are new without a lookup. */
  dedupFilter: DedupFilter;
  /** Called with the leaf hashes of each batch right after they were appended to the tree (a replica's feed). */
  onAppend?: ((fromSize: number, leafHashes: Hash[]) => void) | undefined;
  /** Called once when the sequencer stops for good, with the reason. */
  onStop?: ((reason: StamplogError) => void) | undefined;
  /** Called when appends start being refused for the clock (with the reason) and when they are taken again. */
  onClock?: ((problem: StamplogError | undefined) => void) | undefined;
}

/** Codes that refuse one batch but leave the sequencer running. */
const TRANSIENT = new Set(['PUSHBACK', 'CLOCK_BEHIND', 'CLOCK_AHEAD']);

export class Sequencer {
  private readonly queue: Waiter[] = [];
  private queued = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private stopped: StamplogError | undefined;
  private closing = false;
  private idle: Promise<void> = Promise.resolve();
  private current: { size: number; root: Hash; note: string };
  /** New entries of batches in flight, by dedup key, until their batch is answered (then the store has them). */
  private readonly inFlight = new Map<string, Sequenced>();

  private readonly time: LogTime;

  constructor(private readonly deps: SequencerDeps) {
    this.current = deps.state.checkpoint;
    this.time = new LogTime({
      clock: deps.clock,
      monotonic: deps.monotonic,
      lastTime: deps.state.lastTime,
      maxClockBackMs: deps.options.maxClockBackMs,
      maxClockJumpMs: deps.options.maxClockJumpMs,
      onClock: deps.onClock,
    });
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
   * Queues `subs` (already validated) and resolves once all of them are durably logged and covered by a signed
   * checkpoint. `check`, if given, is a check still running (a publisher signature on a worker thread): the
   * submissions wait in the queue meanwhile, and are sequenced only if it fulfils; if it rejects, so does this,
   * with its reason, and nothing is logged. Rejects with PUSHBACK when the queue is full or the clock is behind,
   * and with the stop reason when the sequencer has stopped.
   */
  submit(subs: Submission[], check?: Promise<unknown>): Promise<SequencedBatch> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.closing) return Promise.reject(new StamplogError('PUSHBACK', 'the log is shutting down'));
    // The queue holds at most maxQueue submissions, except that one request is always admitted into an empty
    // queue (a batch larger than maxQueue would otherwise be refused forever, whatever its Retry-After said).
    if (this.queued > 0 && this.queued + subs.length > this.deps.options.maxQueue) {
      return Promise.reject(new StamplogError('PUSHBACK', 'the log is overloaded; retry later', { details: { retryAfterSeconds: 1 } }));
    }
    check?.catch(() => undefined); // observed in checked(); never an unhandled rejection meanwhile
    return new Promise<SequencedBatch>((resolve, reject) => {
      this.queue.push({ subs, keys: subs.map(dedupKey), check, resolve, reject });
      this.queued += subs.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.timer !== undefined) return;
    const delay = this.queued >= this.deps.options.batchMax ? 0 : this.deps.options.batchMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.idle = this.runBatches();
    }, delay);
  }

  /**
   * Runs batches until the queue is empty and every batch is answered, up to PIPELINE_DEPTH in flight,
   * finishing them in order. Submissions that arrive meanwhile join the next batch.
   */
  private async runBatches(): Promise<void> {
    this.running = true;
    const finishing: Promise<void>[] = [];
    try {
      while (true) {
        if (this.stopped) {
          await Promise.all(finishing); // batches in flight see the stop and reject their waiters
          break;
        }
        if (this.queue.length === 0) {
          // No await between this check and `running = false`: a submission arriving later schedules a new run.
          if (finishing.length === 0) break;
          await finishing.shift(); // let the oldest batch finish, then look at the queue again
          continue;
        }
        const waiters = await this.checked(this.takeBatch());
        if (waiters.length === 0) continue;
        let prepared: Prepared;
        try {
          prepared = await this.prepare(waiters);
        } catch (e) {
          this.fail(waiters, e);
          continue;
        }
        const previous = finishing.length > 0 ? finishing[finishing.length - 1] : Promise.resolve();
        finishing.push(previous.then(() => this.finish(prepared)));
        // A second batch in flight pays for itself only when it is large: small batches (single appends) are
        // better merged into one batch after the current one than split into two commits and two signatures.
        if (finishing.length >= PIPELINE_DEPTH || this.queued < PIPELINE_MIN_ENTRIES) await finishing.shift();
      }
    } finally {
      this.running = false;
      this.queued = this.queue.reduce((n, w) => n + w.subs.length, 0);
    }
  }

  /**
   * `waiters` once every check among them has settled, without those whose check failed (they are rejected with
   * its reason). Nothing is sequenced before its check passed (DESIGN §4: signatures are verified first).
   */
  private async checked(waiters: Waiter[]): Promise<Waiter[]> {
    if (waiters.every((w) => w.check === undefined)) return waiters;
    const outcomes = await Promise.allSettled(waiters.map((w) => w.check));
    const passed: Waiter[] = [];
    outcomes.forEach((o, i) => {
      if (o.status === 'fulfilled') passed.push(waiters[i]);
      else waiters[i].reject(o.reason);
    });
    return passed;
  }

  /**
   * Rejects `waiters` with `e`; anything but a transient refusal (overload, clock) stops the sequencer and rejects
   * everything queued.
   */
  private fail(waiters: Waiter[], e: unknown): void {
    const err = e instanceof StamplogError ? e : new StamplogError('INTERNAL', 'sequencing failed', { cause: e });
    if (!TRANSIENT.has(err.code)) this.stop(err);
    else if (err.code !== 'PUSHBACK') this.time.refused(err);
    for (const w of waiters) w.reject(this.stopped ?? err);
  }

  /**
   * Stops the sequencer for good with `reason` (the first reason wins): every queued and later submission is
   * refused with it, batches in flight are not answered. Reads of what was signed are not affected.
   */
  stop(reason: StamplogError): void {
    if (this.stopped !== undefined) return;
    this.stopped = reason;
    for (const w of this.queue.splice(0)) w.reject(reason);
    this.queued = 0;
    this.deps.onStop?.(reason);
  }

  /** Why appends would be refused now for the clock (CLOCK_BEHIND / CLOCK_AHEAD), if they would. */
  get clockProblem(): StamplogError | undefined {
    return this.time.problem;
  }

  /** Takes whole requests from the head of the queue, up to batchMax entries (at least one request). */
  private takeBatch(): Waiter[] {
    const taken: Waiter[] = [];
    let n = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (taken.length > 0 && n + next.subs.length > this.deps.options.batchMax) break;
      taken.push(this.queue.shift() as Waiter);
      n += next.subs.length;
    }
    this.queued -= n;
    return taken;
  }

  /** Steps 1–3: dedup, indexes, time, leaves into the tree, and the commit started (not awaited). */
  private async prepare(waiters: Waiter[]): Promise<Prepared> {
    const time = this.time.next(); // logtime.ts: never before a time already issued

    // Step 2: dedup against batches in flight, the store (one lookup for the batch) and within the batch.
    const known = await findKnown(waiters, this.inFlight, this.deps.dedupFilter, this.deps.store);
    if (this.stopped) throw this.stopped;
    // From here to the commit call nothing awaits: the tree, the in-flight map and the commit order change together.
    const { fromSize, toSize, fresh, leaves, hashes, search, dedup } = buildBatch(waiters, { known, time, tree: this.deps.tree, filter: this.deps.dedupFilter });
    if (leaves.length > 0) this.deps.onAppend?.(fromSize, hashes);
    for (const [key, f] of fresh) this.inFlight.set(key, f);
    this.time.issued(time);

    // Step 3: one atomic, synced write. A crash before it resolves leaves the batch wholly absent or wholly
    // present after restart; either way nobody was answered (a present batch is re-verified and signed then).
    const commit =
      leaves.length === 0 ? Promise.resolve() : this.deps.store.commit({ fromSize, leaves, tiles: changedTiles(this.deps.tree, fromSize, toSize), dedup, search });
    commit.catch(() => undefined); // observed in finish(); never an unhandled rejection meanwhile
    return { waiters, time, fromSize, toSize, fresh, known, commit };
  }

  /** Steps 3–5 for a prepared batch, after every earlier batch finished: await, verify, sign, answer. */
  private async finish(b: Prepared): Promise<void> {
    try {
      if (this.stopped) throw this.stopped;
      await b.commit;
      if (b.toSize > b.fromSize) {
        // Step 4: read back every leaf and tile of the batch, compare with the in-memory tree, recompute the
        // root from the stored tiles. A mismatch throws CORRUPTION and stops the log before anything is signed;
        // a crash here is like a crash after step 3 (the restart re-verifies everything from storage).
        await verifyPersistedBatch(this.deps.store, this.deps.tree, b.fromSize, b.toSize);
      }

      // Step 5: sign the re-verified tree and persist the checkpoint; only then answer. A crash before
      // putCheckpoint resolves leaves the batch durable but unsigned (the restart signs it); a crash after it
      // leaves waiters unanswered, and their retries get the same indexes back through dedup.
      if (b.toSize !== this.current.size) {
        const root = this.deps.tree.rootAt(b.toSize);
        const note = this.deps.sign(b.toSize, root, b.time);
        if (this.deps.record !== undefined) {
          // The lock makes the checkpoint durable; the store's copy follows behind the answer, in order (a crash
          // before it lands leaves the store's previous copy, and the restart signs the stored tree again).
          this.deps.record(note);
          const size = b.toSize;
          this.deps.store.putCheckpoint(size, note).catch((e: unknown) => this.stop(storageFailure(`storing the checkpoint of size ${size}`, e)));
        } else {
          await this.deps.store.putCheckpoint(b.toSize, note);
        }
        this.current = { size: b.toSize, root, note };
      }
      const answers = await answerWaiters(b.waiters, b, this.current, this.deps.readLeaf);
      b.waiters.forEach((w, i) => w.resolve(answers[i]));
    } catch (e) {
      this.fail(b.waiters, e);
    } finally {
      for (const key of b.fresh.keys()) this.inFlight.delete(key);
    }
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

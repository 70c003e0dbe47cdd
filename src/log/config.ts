/** What a log is opened with (TransparencyLog.open), and the defaults of what may be left out. */
import type { StamplogError } from '../base/index.ts';
import type { CheckpointLock } from './checkpointlock.ts';
import type { SequencerOptions } from './sequencer.ts';
import type { WitnessingOptions } from './witnessing.ts';

export interface LogConfig {
  /** The log's origin line, e.g. `pypi.example.org/log`; also the log key's name. */
  origin: string;
  /** The log's signer key string (Ed25519, type 0x01, named `origin`). */
  logKey: string;
  /** The timestamp key's signer key string (cosignature/v1, type 0x04): a signed time on every tree head. */
  timestampKey: string;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /**
   * A clock that never jumps (ms, any origin), to tell a jump of `clock` from elapsed time (CLOCK_AHEAD). Default:
   * performance.now when `clock` is the real one; none (no jump detection) when a test injects `clock` alone.
   */
  monotonic?: () => number;
  sequencer?: Partial<SequencerOptions>;
  /**
   * Write the receipts of large appends (batches of RECEIPT_THREAD_MIN or more) on a worker thread with a replica
   * of the tree (src/receipts/worker.ts), off the thread that sequences; off by default.
   */
  receiptThread?: boolean;
  /** Witnesses to ask for cosignatures on their own cadence (DESIGN §4 step 7); none by default. */
  witnessing?: Omit<WitnessingOptions, 'intervalMs' | 'timeoutMs'> & {
    intervalMs?: number;
    timeoutMs?: number;
    /** With a quorum: how long an append waits for it before answering PUSHBACK (503). */
    waitMs?: number;
    /**
     * Where the newest witnessed checkpoint is kept across restarts: `load` gives the saved note (undefined if
     * none), `save` stores a new one durably. Without it, cosignatures live in memory only.
     */
    persistence?: { load(): string | undefined; save(note: string): void | Promise<void> };
  };
  /** The rollback guard (checkpointlock.ts); without one, only the data directory's own checkpoint is checked. */
  lock?: Pick<CheckpointLock, 'path' | 'read' | 'record'>;
  /** The operator's say that a data directory without a lock may be adopted as it is (`serve --adopt-lock`). */
  adoptLock?: boolean;
  /** The operator's say that the clock may be far ahead of the last issued time at start-up (`--accept-clock`). */
  acceptClock?: boolean;
  /** Called once each time writes stop (storage failure, corruption, rollback), with the reason. */
  onStop?: (reason: StamplogError) => void;
  /** Called when appends start being refused for the clock (CLOCK_BEHIND, CLOCK_AHEAD) and when they resume. */
  onClock?: (problem: StamplogError | undefined) => void;
  /**
   * The latest time (ms) this log's server is known to have run with a sane clock (serve's heartbeat file): the
   * start-up clock check measures from it as well as from the last issued time, so a quiet log restarts freely.
   */
  lastRunTime?: number;
}

/** How long an append waits for the witness quorum by default. */
export const DEFAULT_WITNESS_WAIT_MS = 10_000;

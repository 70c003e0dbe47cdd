/**
 * Recovery after a storage failure (STORAGE_FULL, STORAGE_FAILED). The sequencer has stopped; reads of what was
 * published go on from the old store handle. Every `intervalMs` a probe writes and fsyncs a small file where the
 * log writes (it fails while the disk is full or the device errs); once it succeeds, the old store is closed, a
 * new one opened, and the log re-opened over it (`TransparencyLog.reopen`: everything re-read, re-hashed and
 * checked against the newest signed checkpoint and the lock) before one more append is taken. In-memory state
 * from before the failure is never reused, and a failed fsync is never retried on the same data: LevelDB's
 * recovery rewrites what it finds into new files and syncs those.
 *
 * CORRUPTION and ROLLBACK are not storage faults and are never retried: they need an operator.
 */
import { isStamplogError } from '../base/index.ts';
import { isStorageFailure } from '../store/index.ts';
import type { LogStore } from '../store/index.ts';
import type { TransparencyLog } from './log.ts';

export interface RecoveryDeps {
  log: TransparencyLog;
  /** Opens a new handle on the same store (called after the old one is closed). */
  openStore(): Promise<LogStore>;
  /** Throws while the storage cannot take writes (e.g. writes and fsyncs a small file, then removes it). */
  probe(): Promise<void>;
  intervalMs: number;
  /** Told of each attempt's outcome. */
  report(event: 'recovered' | 'still-failing', detail: { error?: unknown; attempt: number }): void;
}

export class StorageRecovery {
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private closed = false;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: RecoveryDeps) {}

  /**
   * Starts trying if `reason` is a storage failure; a no-op otherwise or when already trying (an attempt under way
   * looks at the log's state again when it ends: a re-opened store that failed at once is retried).
   */
  notice(reason: unknown): void {
    if (this.closed || !isStorageFailure(reason) || this.timer !== undefined || this.running !== undefined) return;
    this.attempts = 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.attempt().finally(() => {
        this.running = undefined;
        // The store re-opened by this attempt may already have failed again (the device still errs where the
        // probe did not write): its stop was noticed while this attempt ran, so look again now.
        if (isStorageFailure(this.deps.log.failure)) this.schedule();
      });
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    this.attempts++;
    const { log } = this.deps;
    try {
      await this.deps.probe();
    } catch (error) {
      this.deps.report('still-failing', { error, attempt: this.attempts });
      this.schedule();
      return;
    }
    let store: LogStore;
    try {
      store = await log.replaceStoreForReads(this.deps.openStore);
    } catch (error) {
      this.deps.report('still-failing', { error, attempt: this.attempts });
      if (!isStamplogError(error, 'CORRUPTION')) this.schedule();
      return;
    }
    try {
      await log.reopen(store);
      this.deps.report('recovered', { attempt: this.attempts });
    } catch (error) {
      // The new handle keeps serving reads; writes wait for the next attempt.
      this.deps.report('still-failing', { error, attempt: this.attempts });
      // Only an operator can answer corruption or a rollback; anything else may be the device still recovering.
      if (!isStamplogError(error, 'CORRUPTION') && !isStamplogError(error, 'ROLLBACK')) this.schedule();
    }
  }

  /** Stops trying (shutdown); waits for an attempt under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }
}

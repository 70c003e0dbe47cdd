/**
 * The checkpoint lock: the newest checkpoint this log has signed, kept in a file OUTSIDE the data directory
 * (by default `<data>.checkpoint-lock`, beside it; put it on another volume in production), so that restoring
 * an older copy of the data directory does not roll it back. Sunlight keeps such a lock for the same reason.
 *
 * Contract: `record(note)` resolves only once the note is durable (durablefile.ts), and the log waits for it
 * after signing a checkpoint and BEFORE serving it or answering anybody, so the lock is never behind anything
 * anybody may have seen. (The data directory's own copy may be written at the same time: a crash between the
 * two leaves a lock ahead of or behind that copy, but never behind what was served.) At start-up the log refuses writes (ROLLBACK) unless the stored tree extends the locked checkpoint: it
 * holds at least that many leaves, and its root at that size is the locked root.
 *
 * A missing lock beside a data directory that already holds a log is refused too (the lock may have been lost
 * along with the state it guards); the operator adopts the stored log explicitly (`serve --adopt-lock`) after
 * checking it against what was published (a monitor's or witness's last checkpoint). A lock that is present but
 * empty, torn or signed by another key is never adopted silently.
 */
import { readFileSync } from 'node:fs';
import { StamplogError } from '../errors.ts';
import { replaceFileDurablyAsync } from '../store/durablefile.ts';

const utf8 = new TextEncoder();

export class CheckpointLock {
  constructor(readonly path: string) {}

  /** The locked note, or undefined when there is no lock file. Throws STORAGE_FAILED when it cannot be read. */
  read(): string | undefined {
    try {
      return readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StamplogError('STORAGE_FAILED', `cannot read the checkpoint lock ${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Durably replaces the lock with `note`; resolves once it is durable (rejects STORAGE_FULL / STORAGE_FAILED). */
  record(note: string): Promise<void> {
    return replaceFileDurablyAsync(this.path, utf8.encode(note), `the checkpoint lock ${this.path}`);
  }
}

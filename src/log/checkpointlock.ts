/**
 * The checkpoint lock: the newest checkpoint this log has signed, kept in a file OUTSIDE the data directory
 * (by default `<data>.checkpoint-lock`, beside it; put it on another volume in production), so that restoring
 * an older copy of the data directory does not roll it back. Sunlight keeps such a lock for the same reason.
 *
 * Contract: `record(note)` returns only once the note is durable (slotfile.ts: two slots written in turn, so a
 * torn write leaves the previous record), and the log records each checkpoint after signing it and BEFORE
 * serving it or answering anybody, so the lock is never behind anything anybody may have seen. The data
 * directory's own copy of the checkpoint is then written behind it, off the path of the answer: the lock is
 * what makes a checkpoint durable, and a lost or torn copy is re-signed at start-up. At start-up the log refuses
 * writes (ROLLBACK) unless the stored tree extends the locked checkpoint: it holds at least that many leaves, and
 * its root at that size is the locked root.
 *
 * A missing lock beside a data directory that already holds a log is refused too (the lock may have been lost
 * along with the state it guards); the operator adopts the stored log explicitly (`serve --adopt-lock`) after
 * checking it against what was published (a monitor's or witness's last checkpoint). A lock that is present but
 * holds no valid record or a note signed by another key is never adopted silently.
 */
import { SlotFile } from '../store/index.ts';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class CheckpointLock {
  private readonly file: SlotFile;

  constructor(readonly path: string) {
    this.file = new SlotFile(path, `the checkpoint lock ${path}`);
  }

  /**
   * The locked note, or undefined when there is no lock file. Throws STORAGE_FAILED when it cannot be read, and
   * MALFORMED when the file is not a lock or holds no whole record (the log then refuses to start).
   */
  read(): string | undefined {
    const record = this.file.read();
    if (record === undefined) return undefined;
    return utf8Decoder.decode(record);
  }

  /** Durably replaces the lock with `note` (one in-place write and fsync); throws STORAGE_FULL / STORAGE_FAILED. */
  record(note: string): void {
    this.file.write(utf8.encode(note));
  }
}

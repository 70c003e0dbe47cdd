/**
 * LevelDB LogStore (the embedded default), via `level` (classic-level). One `batch` with `sync: true` per
 * commit gives the atomic, durable write the store contract asks for: LevelDB appends the whole batch as one
 * record to its write-ahead log and fsyncs it before the promise resolves. LevelDB's LOCK file keeps a second
 * process off the same directory.
 *
 * Corruption: LevelDB (as classic-level configures it) verifies no checksums on reads and, when it replays a
 * write-ahead log with a corrupted record, silently drops the rest of that log block, including committed
 * batches. So `open` reads LevelDB's own info log (`LOG`, rewritten by every open) and refuses to continue when
 * the recovery reported a dropped or corrupted record; since that open already rewrote the files, it also
 * leaves a marker file (STAMPLOG-CORRUPTION) that refuses every later open until an operator has looked.
 * Every other read failure surfaces as a StamplogError naming what was being read: STORAGE_FAILED for an I/O
 * error or a store closed for re-opening, CORRUPTION otherwise; what a read returns is verified by the log (leaf
 * and tile hashes, the signed checkpoint) before it is trusted.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { StamplogError } from '../base/index.ts';
import { SEARCH_FORMAT_KEY, SIZE_KEY, dedupKey, indexFromSearchKey, leafKey, searchKey, searchPrefix, tileKey } from './keys.ts';
import type { CommitBatch, LogStore, SearchField, SearchRow, StoredState } from './types.ts';
import { replaceFileDurably } from './durablefile.ts';
import { storageFailure } from './faults.ts';
import { levelErrorText, openLevel, readIfExists } from './levelopen.ts';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);
/** How many bytes of leaves one native iterator call may bring back. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The newest signed checkpoint lives in its own file next to LevelDB's, not in LevelDB: a LevelDB write would
 * queue behind the (large) commit of the next batch, which the sequencer already has under way, and stall the
 * pipeline. The file is replaced durably (durablefile.ts: bytes, fsync, rename, directory fsync). A file that is
 * nevertheless empty or torn (a file system that broke its promises) is returned as it is; the log treats a note
 * that does not parse like a missing one (re-verify the stored tree, sign it again).
 */
export const CHECKPOINT_FILE = 'STAMPLOG-CHECKPOINT';

/** Written next to LevelDB's files when an open found corruption; its presence refuses later opens. */
export const CORRUPTION_MARKER = 'STAMPLOG-CORRUPTION';

/**
 * A read failure of the underlying database, naming what was being read: STORAGE_FAILED while the store is
 * closed (being re-opened after a storage failure) or the device reports an I/O error, CORRUPTION otherwise.
 */
function readFailure(what: string, e: unknown): StamplogError {
  if (e instanceof StamplogError) return e;
  const code = (e as { code?: unknown }).code;
  if (code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_DATABASE_NOT_CLOSED') {
    return new StamplogError('STORAGE_FAILED', `reading ${what}: the store is closed (re-opening after a storage failure)`, { cause: e, details: { retryAfterSeconds: 5 } });
  }
  const text = levelErrorText(e);
  if (/IO error/i.test(text) && !/corruption/i.test(text)) return storageFailure(`reading ${what}`, e);
  return new StamplogError('CORRUPTION', `reading ${what} from the store failed: ${text}`, { cause: e });
}

export class LevelStore implements LogStore {
  private readonly db: Level<string, Uint8Array>;
  /** Serialises commits so the fromSize check and the write cannot interleave. */
  private commitChain: Promise<unknown> = Promise.resolve();
  /**
   * The committed tree size as of the last commit through this handle (undefined until first read, and after
   * a failed write, whose outcome is unknown). LevelDB's LOCK makes this handle the only writer, so the cache
   * saves two reads per batch without ever going stale.
   */
  private committedSize: number | undefined;
  /** Serialises checkpoint file writes (they share one temporary file). */
  private checkpointChain: Promise<unknown> = Promise.resolve();

  constructor(readonly location: string) {
    // Sized for sustained ingest (a backfill writes several rows an entry, most under random keys): a large
    // memtable and large tables cut what LevelDB's compaction rewrites (docs/benchmarks.md).
    this.db = new Level<string, Uint8Array>(location, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      writeBufferSize: 64 * 1024 * 1024,
      maxFileSize: 128 * 1024 * 1024,
    });
  }

  async open(): Promise<void> {
    const marker = join(this.location, CORRUPTION_MARKER);
    const earlier = await readIfExists(marker);
    if (earlier !== undefined) {
      throw new StamplogError('CORRUPTION', `the store at ${this.location} was found corrupted earlier (${marker}: ${earlier.trim()}); refusing to open it`);
    }
    const problem = await openLevel(this.db, this.location);
    if (problem === undefined) return;
    if (problem.kind === 'locked') throw new StamplogError('CONFLICT', `the store at ${this.location} is in use by another process`, { cause: problem.cause });
    if (problem.kind === 'failed') {
      if (problem.corruption) throw new StamplogError('CORRUPTION', `cannot open the store at ${this.location}: ${problem.detail}`, { cause: problem.cause });
      throw storageFailure(`opening the store at ${this.location}`, problem.cause);
    }
    // The recovery dropped or found corrupted records: committed batches may be lost, and the open already
    // rewrote the files, so the marker refuses later opens too.
    const message = `LevelDB reported corruption while opening ${this.location} (${problem.lines} line(s) in its LOG, first: ${problem.first}); committed batches may have been dropped`;
    await writeFile(marker, `${new Date().toISOString()} ${message}\nRemove this file only after restoring or inspecting the store.\n`, { flush: true });
    throw new StamplogError('CORRUPTION', `${message}; refusing to open it (and later opens, until ${marker} is removed)`);
  }

  private async getText(key: string, what: string): Promise<string | undefined> {
    try {
      const v = await this.db.get(key);
      return v === undefined ? undefined : utf8Decoder.decode(v);
    } catch (e) {
      throw readFailure(what, e);
    }
  }

  async readState(): Promise<StoredState> {
    const [size, checkpoint] = await Promise.all([
      this.getText(SIZE_KEY, 'the tree size'),
      readIfExists(join(this.location, CHECKPOINT_FILE)).catch((e: unknown) => {
        throw readFailure('the checkpoint file', e);
      }),
    ]);
    const n = size === undefined ? 0 : Number(size);
    if (!Number.isSafeInteger(n) || n < 0 || (size !== undefined && String(n) !== size)) {
      throw new StamplogError('CORRUPTION', `stored tree size is not a canonical number: ${JSON.stringify(size)}`);
    }
    return { size: n, checkpoint: checkpoint ?? null };
  }

  commit(batch: CommitBatch): Promise<void> {
    const run = this.commitChain.then(() => this.commitNow(batch));
    this.commitChain = run.catch(() => undefined);
    return run;
  }

  private async size(): Promise<number> {
    if (this.committedSize === undefined) {
      const { size } = await this.readState();
      // A commit may have finished during the read and set the cache: the newer value wins.
      if (this.committedSize === undefined) this.committedSize = size;
    }
    return this.committedSize;
  }

  private async commitNow(batch: CommitBatch): Promise<void> {
    const size = await this.size();
    if (batch.fromSize !== size) {
      throw new StamplogError('CONFLICT', `commit from size ${batch.fromSize} but the store holds ${size}`);
    }
    // A chained batch: one native write batch filled op by op (cheaper per op than an array batch, which
    // clones every op object), written as one atomic record and fsynced.
    const b = this.db.batch();
    batch.leaves.forEach((leaf, i) => b.put(leafKey(batch.fromSize + i), leaf));
    for (const t of batch.tiles) b.put(tileKey(t.level, t.index), t.data);
    for (const d of batch.dedup) b.put(dedupKey(d.key), utf8.encode(String(d.index)));
    for (const s of batch.search) b.put(searchKey(s.field, s.key, s.index), EMPTY);
    // The size row is in the same batch: a reader (or a restart) sees the new leaves only with the new size.
    const newSize = batch.fromSize + batch.leaves.length;
    b.put(SIZE_KEY, utf8.encode(String(newSize)));
    try {
      await b.write({ sync: true });
    } catch (e) {
      this.committedSize = undefined; // the write's outcome is unknown: read the size again next time
      throw storageFailure(`committing leaves ${batch.fromSize}…${newSize - 1} to LevelDB`, e);
    }
    this.committedSize = newSize;
  }

  async putCheckpoint(size: number, note: string): Promise<void> {
    const committed = await this.size();
    if (size > committed) throw new StamplogError('CONFLICT', `checkpoint size ${size} is above the committed size ${committed}`);
    const run = this.checkpointChain.then(() => this.writeCheckpointFile(note));
    this.checkpointChain = run.catch(() => undefined);
    await run;
  }

  private async writeCheckpointFile(note: string): Promise<void> {
    await replaceFileDurably(join(this.location, CHECKPOINT_FILE), utf8.encode(note), 'the checkpoint file');
  }

  async readLeaves(start: number, count: number): Promise<Uint8Array[]> {
    if (count === 0) return [];
    const out: Uint8Array[] = [];
    // One range scan: the leaves of a range are adjacent keys, so an iterator seeks once and walks, where
    // getMany searches the memtable and every level for each key (slower for a range). Big
    // chunks (highWaterMarkBytes) bring a whole batch back in one native call.
    let it;
    try {
      it = this.db.iterator({ gte: leafKey(start), lte: leafKey(start + count - 1), highWaterMarkBytes: READ_CHUNK_BYTES });
    } catch (e) {
      throw readFailure(`leaves ${start}…${start + count - 1}`, e);
    }
    try {
      scan: while (out.length < count) {
        const rows = await it.nextv(count - out.length);
        if (rows.length === 0) break;
        for (const [key, value] of rows) {
          if (key !== leafKey(start + out.length)) break scan; // a gap: that leaf is missing
          out.push(value);
        }
      }
    } catch (e) {
      throw readFailure(`leaves ${start}…${start + count - 1}`, e);
    } finally {
      await it.close();
    }
    if (out.length < count) throw new StamplogError('NOT_FOUND', `leaves ${start}..${start + count - 1} are not all stored (leaf ${start + out.length} is missing)`);
    return out;
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    try {
      return await this.db.get(tileKey(level, index));
    } catch (e) {
      throw readFailure(`hash tile ${level}/${index}`, e);
    }
  }

  async lookupDedup(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    let values: (Uint8Array | undefined)[];
    try {
      values = await this.db.getMany(keys.map(dedupKey));
    } catch (e) {
      throw readFailure('dedup rows', e);
    }
    return values.map((v) => {
      if (v === undefined) return undefined;
      const text = utf8Decoder.decode(v);
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < 0 || String(n) !== text) throw new StamplogError('CORRUPTION', `a stored dedup row holds ${JSON.stringify(text)}, not an index`);
      return n;
    });
  }

  async forEachDedupKey(each: (key: string) => void): Promise<void> {
    const prefix = dedupKey('');
    const it = this.db.keys({ gte: prefix, lt: dedupKey('\uffff') });
    try {
      // nextv: one native call per thousand keys rather than one per key.
      for (let keys = await it.nextv(1000); keys.length > 0; keys = await it.nextv(1000)) {
        for (const k of keys) each(k.slice(prefix.length));
      }
    } catch (e) {
      throw readFailure('dedup rows', e);
    } finally {
      await it.close();
    }
  }

  async search(field: SearchField, key: string, after: number, limit: number): Promise<number[]> {
    const prefix = searchPrefix(field, key);
    const gte = after < 0 ? prefix : searchKey(field, key, after + 1);
    const out: number[] = [];
    try {
      for await (const k of this.db.keys({ gte, lt: prefix + '\uffff', limit })) out.push(indexFromSearchKey(k));
    } catch (e) {
      throw readFailure(`search rows (${field})`, e);
    }
    return out;
  }

  async readSearchFormat(): Promise<number> {
    const text = await this.getText(SEARCH_FORMAT_KEY, 'the search row format');
    if (text === undefined) return 0;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0 || String(n) !== text) throw new StamplogError('CORRUPTION', `the stored search row format is not a canonical number: ${JSON.stringify(text)}`);
    return n;
  }

  async addSearchRows(rows: readonly SearchRow[], format?: number): Promise<void> {
    const b = this.db.batch();
    for (const r of rows) b.put(searchKey(r.field, r.key, r.index), EMPTY);
    if (format !== undefined) b.put(SEARCH_FORMAT_KEY, utf8.encode(String(format)));
    try {
      await b.write({ sync: true });
    } catch (e) {
      throw storageFailure('writing search rows to LevelDB', e);
    }
  }

  async close(): Promise<void> {
    await this.checkpointChain; // a checkpoint copy still being written lands (or fails) first
    await this.db.close();
  }

  /**
   * Whether LevelDB can open a database next to `location` now: creates a scratch database beside it, writes a
   * synced row, re-opens it (which turns the write-ahead log into a table, writes a new manifest and renames
   * CURRENT, as a re-open of the real store will), and removes it. Throws STORAGE_FULL / STORAGE_FAILED while any of
   * that fails, so that a store is closed for re-opening only when re-opening it can succeed.
   */
  static async probe(location: string): Promise<void> {
    const scratch = `${location}.probe`;
    await rm(scratch, { recursive: true, force: true });
    try {
      for (let round = 0; round < 2; round++) {
        const db = new Level<string, string>(scratch, { valueEncoding: 'utf8' });
        try {
          await db.open();
          await db.put(`probe${round}`, 'x'.repeat(4096), { sync: true });
        } finally {
          await db.close().catch(() => undefined);
        }
      }
    } catch (e) {
      throw storageFailure(`a trial LevelDB database beside ${location}`, e);
    } finally {
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

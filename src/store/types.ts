/**
 * The storage boundary of the log server. Deliberately narrow (a handful of byte-level operations) so that a
 * LevelDB driver (the embedded default), an in-memory driver (tests) and a PostgreSQL driver (replicated
 * deployments) can all implement it and pass one conformance suite (test/store/conformance.ts).
 *
 * Layout the log writes through it:
 * - leaves: the exact leaf bytes at each index 0..size-1;
 * - tiles: C2SP tlog-tiles hash tiles (height 8) at their current width — a partial tile is overwritten as it
 *   grows, and since the tree is append-only, every narrower width is a prefix of the stored bytes;
 * - lookup rows: dedup key → index, and search keys → indexes;
 * - the committed tree size, and the newest signed checkpoint note.
 *
 * Contract (what every driver guarantees):
 * 1. `commit` is atomic and durable: once its promise resolves, every part of the batch survives a crash or
 *    power loss; if it rejects or the process dies before it resolves, either all of the batch is visible
 *    after restart or none of it is. A batch whose `fromSize` differs from the committed size is refused with
 *    CONFLICT and writes nothing (it protects against two sequencers on one store).
 * 2. Reads observe only committed batches, never a part of one.
 * 3. `putCheckpoint` replaces the stored checkpoint atomically (readers see the old or the new one, whole);
 *    its tree size is never above the committed size. A power cut may bring back the previous checkpoint (the
 *    tree it lags behind is durable, and the log re-signs at start-up), never a torn one.
 * 4. Only one process may open a store for writing; a second `open` fails with a StamplogError CONFLICT.
 */

/**
 * A search dimension served by `GET /api/v1/search`. (Logs written before 2026-11-23 also hold `leafHash` rows;
 * leaf hashes are now found from the in-memory tree, and those rows are never read.)
 */
export type SearchField = 'sha256' | 'filename' | 'project' | 'projectVersion';

/** One row of a search index: the entry at `index` has `key` under `field`. */
export interface SearchRow {
  field: SearchField;
  key: string;
  index: number;
}

/** A hash tile's bytes (width × 32) at its current width. */
export interface TileWrite {
  level: number;
  index: number;
  data: Uint8Array;
}

/** Everything one sequencer batch writes, committed as one atomic, synced write. */
export interface CommitBatch {
  /** The committed tree size this batch extends; must equal the store's size. */
  fromSize: number;
  /** Leaf bytes for indexes fromSize, fromSize+1, … */
  leaves: Uint8Array[];
  /** Every hash tile that changed. */
  tiles: TileWrite[];
  /** Dedup key → index of the entry that first logged it. */
  dedup: { key: string; index: number }[];
  search: SearchRow[];
}

/** The durable state a log restarts from. */
export interface StoredState {
  size: number;
  /** The newest signed checkpoint note, or null before the first one was persisted. */
  checkpoint: string | null;
}

export interface LogStore {
  /** Opens (creating if needed) the store; fails with CONFLICT if another process holds it. */
  open(): Promise<void>;
  readState(): Promise<StoredState>;
  /** Atomically and durably appends a batch (see the contract above). */
  commit(batch: CommitBatch): Promise<void>;
  /** Durably records the newest signed checkpoint of tree size `size` (≤ the committed size). */
  putCheckpoint(size: number, note: string): Promise<void>;
  /** Leaves [start, start+count) — all of them must be committed. */
  readLeaves(start: number, count: number): Promise<Uint8Array[]>;
  /** The stored bytes of hash tile (level, index) at its current width, or undefined if none was written. */
  readTile(level: number, index: number): Promise<Uint8Array | undefined>;
  /** For each dedup key, the index that logged it, or undefined. */
  lookupDedup(keys: readonly string[]): Promise<(number | undefined)[]>;
  /** Calls `each` with every stored dedup key (committed batches only), in no particular order. */
  forEachDedupKey(each: (key: string) => void): Promise<void>;
  /** Up to `limit` indexes with `key` under `field`, ascending, all greater than `after` (use -1 to start). */
  search(field: SearchField, key: string, after: number, limit: number): Promise<number[]>;
  /** The format number of the stored search rows, 0 when none was recorded (a log written before formats). */
  readSearchFormat(): Promise<number>;
  /**
   * Durably adds search rows (for leaves already committed) and, if `format` is given, records it as the rows'
   * format in the same write. Adding a row that exists is harmless; used to re-index after a format change.
   */
  addSearchRows(rows: readonly SearchRow[], format?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * In-memory LogStore for tests. It follows the store contract exactly (atomic batches, CONFLICT on a stale
 * fromSize) and adds failure hooks, named by outcome, so tests can simulate crashes at each step of a commit.
 * "Durable" here means: survives `close()` + `open()` on the same instance (a simulated restart).
 */
import { StamplogError } from '../base/index.ts';
import { CHECKPOINT_KEY, SEARCH_FORMAT_KEY, SIZE_KEY, dedupKey, indexFromSearchKey, leafKey, searchKey, searchPrefix, tileKey } from './keys.ts';
import type { CommitBatch, LogStore, SearchField, SearchRow, StoredState } from './types.ts';

export interface MemoryStoreFaults {
  /** The next commit rejects and writes nothing (a crash before the write reached the disk). */
  failCommitWithoutPersisting?: boolean;
  /** The next commit is persisted but rejects (a crash after the write, before the caller heard of it). */
  failCommitButPersist?: boolean;
  /** The next putCheckpoint rejects and writes nothing. */
  failCheckpoint?: boolean;
}

export class MemoryStore implements LogStore {
  private readonly rows = new Map<string, Uint8Array | string>();
  private isOpen = false;
  faults: MemoryStoreFaults = {};

  async open(): Promise<void> {
    if (this.isOpen) throw new StamplogError('CONFLICT', 'store is already open');
    this.isOpen = true;
  }

  private ensureOpen(): void {
    if (!this.isOpen) throw new StamplogError('INTERNAL', 'store is not open');
  }

  async readState(): Promise<StoredState> {
    this.ensureOpen();
    const checkpoint = this.rows.get(CHECKPOINT_KEY);
    return { size: this.committedSize(), checkpoint: typeof checkpoint === 'string' ? checkpoint : null };
  }

  private committedSize(): number {
    const size = this.rows.get(SIZE_KEY);
    return typeof size === 'string' ? Number(size) : 0;
  }

  // No await between the size check and the writes: that is what makes a commit atomic here.
  async commit(batch: CommitBatch): Promise<void> {
    this.ensureOpen();
    const size = this.committedSize();
    if (batch.fromSize !== size) {
      throw new StamplogError('CONFLICT', `commit from size ${batch.fromSize} but the store holds ${size}`);
    }
    if (this.faults.failCommitWithoutPersisting) {
      this.faults.failCommitWithoutPersisting = false;
      throw new StamplogError('INTERNAL', 'injected fault: commit failed before persisting');
    }
    batch.leaves.forEach((leaf, i) => this.rows.set(leafKey(batch.fromSize + i), leaf.slice()));
    for (const t of batch.tiles) this.rows.set(tileKey(t.level, t.index), t.data.slice());
    for (const d of batch.dedup) this.rows.set(dedupKey(d.key), String(d.index));
    for (const s of batch.search) this.rows.set(searchKey(s.field, s.key, s.index), '');
    this.rows.set(SIZE_KEY, String(batch.fromSize + batch.leaves.length));
    if (this.faults.failCommitButPersist) {
      this.faults.failCommitButPersist = false;
      throw new StamplogError('INTERNAL', 'injected fault: commit persisted but reported failure');
    }
  }

  async putCheckpoint(size: number, note: string): Promise<void> {
    this.ensureOpen();
    if (size > this.committedSize()) throw new StamplogError('CONFLICT', `checkpoint size ${size} is above the committed size ${this.committedSize()}`);
    if (this.faults.failCheckpoint) {
      this.faults.failCheckpoint = false;
      throw new StamplogError('INTERNAL', 'injected fault: checkpoint not persisted');
    }
    this.rows.set(CHECKPOINT_KEY, note);
  }

  async readLeaves(start: number, count: number): Promise<Uint8Array[]> {
    this.ensureOpen();
    const out: Uint8Array[] = [];
    for (let i = start; i < start + count; i++) {
      const leaf = this.rows.get(leafKey(i));
      if (!(leaf instanceof Uint8Array)) throw new StamplogError('NOT_FOUND', `leaf ${i} is not stored`);
      out.push(leaf);
    }
    return out;
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    this.ensureOpen();
    const tile = this.rows.get(tileKey(level, index));
    return tile instanceof Uint8Array ? tile : undefined;
  }

  async lookupDedup(keys: readonly string[]): Promise<(number | undefined)[]> {
    this.ensureOpen();
    return keys.map((k) => {
      const v = this.rows.get(dedupKey(k));
      return typeof v === 'string' ? Number(v) : undefined;
    });
  }

  async forEachDedupKey(each: (key: string) => void): Promise<void> {
    this.ensureOpen();
    const prefix = dedupKey('');
    for (const k of this.rows.keys()) if (k.startsWith(prefix)) each(k.slice(prefix.length));
  }

  async search(field: SearchField, key: string, after: number, limit: number): Promise<number[]> {
    this.ensureOpen();
    const prefix = searchPrefix(field, key);
    const from = after < 0 ? prefix : searchKey(field, key, after + 1);
    const keys = [...this.rows.keys()].filter((k) => k.startsWith(prefix) && k >= from).sort();
    return keys.slice(0, limit).map(indexFromSearchKey);
  }

  async readSearchFormat(): Promise<number> {
    this.ensureOpen();
    const v = this.rows.get(SEARCH_FORMAT_KEY);
    return typeof v === 'string' ? Number(v) : 0;
  }

  async addSearchRows(rows: readonly SearchRow[], format?: number): Promise<void> {
    this.ensureOpen();
    for (const r of rows) this.rows.set(searchKey(r.field, r.key, r.index), '');
    if (format !== undefined) this.rows.set(SEARCH_FORMAT_KEY, String(format));
  }

  async close(): Promise<void> {
    this.isOpen = false;
  }

  /** Test hook: overwrite a stored leaf (simulates on-disk corruption). */
  corruptLeaf(index: number, leaf: Uint8Array): void {
    this.rows.set(leafKey(index), leaf);
  }

  /** Test hook: drop every search row and the search format (a store written before search formats). */
  dropSearchRows(): void {
    for (const k of [...this.rows.keys()]) if (k.startsWith('search\u0000') || k === SEARCH_FORMAT_KEY) this.rows.delete(k);
  }

  /** Test hook: overwrite a stored tile (simulates on-disk corruption). */
  corruptTile(level: number, index: number, data: Uint8Array): void {
    this.rows.set(tileKey(level, index), data);
  }
}

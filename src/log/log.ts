/**
 * The log facade: everything the HTTP layer (and tests) may ask of a log, over one store and one sequencer.
 *
 * Opening (open.ts) re-verifies the whole log before it serves writes, and checks it against the checkpoint lock.
 *
 * Storage failures stop the sequencer (STORAGE_FULL / STORAGE_FAILED) while reads of what is published go on;
 * `reopen` then replaces the store, the tree and the sequencer with ones re-opened and re-verified from disk
 * (recovery.ts decides when), never continuing on in-memory state that may not be on disk.
 *
 * Appends are answered in the form the caller asks for (src/receipts chooses how to write it). Reads never reveal
 * anything beyond the published checkpoint's size.
 */
import { StamplogError } from '../base/index.ts';
import type { Hash, Tile } from '../merkle/index.ts';
import { hashEqual, leafHash as hashLeaf, tileData, TILE_WIDTH, encodeEntryBundle } from '../merkle/index.ts';
import { decodeLeaf } from '../leaf/index.ts';
import type { Entry, Submission } from '../leaf/index.ts';
import { openCheckpoint } from '../note/index.ts';
import type { LoggedBatch, Receipt, ReceiptAnswer, ReceiptForm } from '../receipts/index.ts';
import type { LogStore, SearchField } from '../store/index.ts';
import { DEFAULT_WITNESS_WAIT_MS } from './config.ts';
import type { LogConfig } from './config.ts';
import { logIdentity, openCore } from './open.ts';
import type { LogCore, LogIdentity } from './open.ts';
import { searchKey } from './searchrows.ts';
import { DEFAULT_WITNESS_INTERVAL_MS, DEFAULT_WITNESS_TIMEOUT_MS, Witnessing, checkWitnessPolicy } from './witnessing.ts';
import type { SignedCheckpoint } from './witnessing.ts';

export type { LogConfig } from './config.ts';
export type { Receipt } from '../receipts/index.ts';

/** How an append is answered: the reference receipts as objects (the default), or an answer body (ReceiptForm). */
export interface AppendOptions<F extends ReceiptForm | 'objects' = ReceiptForm | 'objects'> {
  receipts?: F;
  /** A check still running that must pass before the submissions are sequenced (Sequencer.submit). */
  check?: Promise<unknown>;
}

export class TransparencyLog {
  private witnessing: Witnessing | undefined;
  private witnessWaitMs = 0;
  private core: LogCore;
  private reopening = false;
  /** Set while the store is being replaced (replaceStoreForReads): reads wait for it. */
  private storeGate: Promise<void> | undefined;

  private constructor(
    private readonly id: LogIdentity,
    private readonly config: LogConfig,
    core: LogCore,
  ) {
    this.core = core;
  }

  get origin(): string {
    return this.id.origin;
  }

  get logVerifierKey(): string {
    return this.id.logVerifierKey;
  }

  get timestampVerifierKey(): string {
    return this.id.timestampVerifierKey;
  }

  /**
   * Opens the log over an already opened `store`: re-verifies everything stored, checks the stored tree against
   * the checkpoint lock, signs a checkpoint if none covers the stored tree, and returns a log ready to append.
   * Throws CORRUPTION saying what did not match, ROLLBACK when the stored tree does not extend the lock.
   */
  static async open(store: LogStore, config: LogConfig): Promise<TransparencyLog> {
    const id = logIdentity(config);
    const core = await openCore(store, config, id, undefined);
    const log = new TransparencyLog(id, config, core);
    if (config.witnessing !== undefined) {
      checkWitnessPolicy(config.witnessing.policy, id.logVerifierKey);
      log.witnessWaitMs = config.witnessing.waitMs ?? DEFAULT_WITNESS_WAIT_MS;
      const persistence = config.witnessing.persistence;
      log.witnessing = new Witnessing(
        { get latestSigned() { return log.core.sequencer.checkpoint; }, proveConsistency: (from, to) => log.core.tree.proveConsistency(from, to) },
        {
          intervalMs: DEFAULT_WITNESS_INTERVAL_MS,
          timeoutMs: DEFAULT_WITNESS_TIMEOUT_MS,
          ...config.witnessing,
          ...(persistence === undefined ? {} : { save: (note: string) => persistence.save(note) }),
          onAhead: (why: string) => log.core.sequencer.stop(new StamplogError('ROLLBACK', why)),
        },
      );
      const saved = persistence?.load();
      if (saved !== undefined) log.restoreWitnessed(saved, config.witnessing.warn);
      log.witnessing.start();
    }
    return log;
  }

  /** Takes a saved witnessed checkpoint back if it is this log's, of this tree, and still meets the quorum. */
  private restoreWitnessed(note: string, warn: ((message: string) => void) | undefined): void {
    try {
      const cp = openCheckpoint(note, this.id.verifier, { verifiers: [this.id.timestampVerifier] }).checkpoint;
      const signed = this.core.sequencer.checkpoint;
      if (cp.size > signed.size || !hashEqual(cp.rootHash, this.core.tree.rootAt(cp.size))) throw new StamplogError('CONFLICT', `it is not a checkpoint of the stored tree (size ${cp.size})`);
      this.witnessing?.restore({ size: cp.size, root: cp.rootHash, note });
    } catch (e) {
      warn?.(`the saved witnessed checkpoint was not taken back: ${(e as Error).message}`);
    }
  }

  /**
   * Replaces the store (after a storage failure, by recovery.ts): `store`, already opened, is re-verified like at
   * start-up and must extend the newest checkpoint signed so far (and the lock); only then does the log append
   * through it. On failure the log keeps its stopped state, and reads go on from `store`.
   */
  async reopen(store: LogStore): Promise<void> {
    if (this.reopening) throw new StamplogError('CONFLICT', 'the store is already being re-opened');
    this.reopening = true;
    try {
      const old = this.core;
      const core = await openCore(store, this.config, this.id, old.sequencer.checkpoint);
      this.core = core;
      await old.receipts.close();
    } finally {
      this.reopening = false;
    }
  }

  /**
   * Closes the store and opens a new handle on it with `open` (after a storage failure, before a re-open): reads
   * wait for the new handle instead of failing, and are served from it even if the re-open that follows fails
   * (same data, a working handle). Writes stay stopped until `reopen` succeeds. Resolves with the new store.
   */
  async replaceStoreForReads(open: () => Promise<LogStore>): Promise<LogStore> {
    if (this.core.sequencer.failure === undefined) throw new StamplogError('CONFLICT', 'the log is writing: its store is not replaced');
    let release = () => {};
    this.storeGate = new Promise<void>((r) => (release = r));
    try {
      await this.core.store.close().catch(() => undefined);
      const store = await open();
      this.core = { ...this.core, store };
      return store;
    } finally {
      this.storeGate = undefined;
      release();
    }
  }

  /** The store to read from, once a replacement under way (replaceStoreForReads) is done. */
  private async readStore(): Promise<LogStore> {
    if (this.storeGate !== undefined) await this.storeGate;
    return this.core.store;
  }

  /** The store appends currently go to. */
  get store(): LogStore {
    return this.core.store;
  }

  /** The newest signed checkpoint (note text with signature lines), witnessed or not. */
  get checkpoint(): SignedCheckpoint {
    return this.core.sequencer.checkpoint;
  }

  /**
   * What `/checkpoint` publishes. Without witnesses: the newest signed checkpoint. With witnesses and
   * `quorum none`: the same, carrying the cosignatures gathered for it if the last witnessing round was
   * for that very tree. With a quorum: the newest checkpoint cosigned by the quorum, undefined before the
   * first one.
   */
  get published(): SignedCheckpoint | undefined {
    const newest = this.core.sequencer.checkpoint;
    const w = this.witnessing;
    if (w === undefined) return newest;
    if (w.requiresQuorum) return w.latest;
    const witnessed = w.latest;
    return witnessed !== undefined && witnessed.size === newest.size ? witnessed : newest;
  }

  /**
   * The size reads are limited to: the newest signed checkpoint's, or with a required quorum the published
   * (cosigned) one's — nothing beyond it is revealed, not even by an append's receipt.
   */
  get readableSize(): number {
    const w = this.witnessing;
    if (w?.requiresQuorum === true) return w.latest?.size ?? 0;
    return this.core.sequencer.checkpoint.size;
  }

  /** The witnessing loop, if witnesses are configured. */
  get witnesses(): Witnessing | undefined {
    return this.witnessing;
  }

  /** Why the log stopped accepting writes, if it did. */
  get failure(): StamplogError | undefined {
    return this.core.sequencer.failure;
  }

  /** Why appends are refused for the clock right now (CLOCK_BEHIND, CLOCK_AHEAD), if they are. */
  get clockProblem(): StamplogError | undefined {
    return this.core.sequencer.clockProblem;
  }

  get queueLength(): number {
    return this.core.sequencer.queueLength;
  }

  /**
   * Appends validated, signature-checked submissions once they are durably logged and covered by a signed
   * checkpoint (published, with a witness quorum), and answers them in the form `options.receipts` asks for:
   * by default the reference receipts as objects, one per submission, in order; otherwise the answer body of
   * that form (src/receipts/answers.ts), which is the same receipts as ASCII JSON text ('receipt', 'receipts')
   * or the multi-proof form.
   */
  append(subs: Submission[], options?: AppendOptions<'objects'>): Promise<Receipt[]>;
  append(subs: Submission[], options: AppendOptions<'receipt' | 'multiproof'>): Promise<ReceiptAnswer<string>>;
  append(subs: Submission[], options: AppendOptions<ReceiptForm>): Promise<ReceiptAnswer>;
  async append(subs: Submission[], options: AppendOptions = {}): Promise<Receipt[] | ReceiptAnswer> {
    const batch = await this.sequence(subs, options.check);
    const receipts = this.core.receipts;
    const form = options.receipts ?? 'objects';
    return form === 'objects' ? receipts.objects(batch) : receipts.answer(form, batch);
  }

  /** Sequences `subs` and returns the items with the checkpoint their receipts prove against. */
  private async sequence(subs: Submission[], check: Promise<unknown> | undefined): Promise<LoggedBatch> {
    const result = await this.core.sequencer.submit(subs, check);
    let { size, root, note } = result.checkpoint;
    if (this.witnessing?.requiresQuorum === true) {
      // Logged and signed, but published only once the quorum cosigned a tree that holds every item.
      let need = 0;
      for (const item of result.items) need = Math.max(need, item.index + 1);
      ({ size, root, note } = await this.witnessing.waitFor(need, this.witnessWaitMs));
    }
    return { items: result.items, size, root, note };
  }

  private checkIndex(index: number, size: number): void {
    if (index >= size) throw new StamplogError('NOT_FOUND', `index ${index} is not below the tree size ${size}`);
  }

  /** The leaf at `index` (< published size). */
  async entry(index: number): Promise<{ index: number; leaf: Uint8Array; leafHash: Hash; entry: Entry }> {
    this.checkIndex(index, this.readableSize);
    const [leaf] = await (await this.readStore()).readLeaves(index, 1);
    return { index, leaf, leafHash: hashLeaf(leaf), entry: decodeLeaf(leaf) };
  }

  /** Inclusion proof of leaf `index` in the tree of `size` (≤ published size). */
  inclusionProof(index: number, size: number): Hash[] {
    const readable = this.readableSize;
    if (size > readable) throw new StamplogError('NOT_FOUND', `size ${size} is beyond the published tree size ${readable}`);
    this.checkIndex(index, size);
    return this.core.tree.proveInclusion(index, size);
  }

  /** The index of the first leaf with hash `leafHash` within the published tree, or NOT_FOUND. */
  async indexOfLeafHash(leafHash: Hash): Promise<number> {
    const index = this.core.leafIndex.find(leafHash, this.readableSize);
    if (index === undefined) throw new StamplogError('NOT_FOUND', 'no leaf with that hash in the published tree');
    return index;
  }

  /** Consistency proof between the trees of `from` and `to` leaves (1 ≤ from ≤ to ≤ published size). */
  consistencyProof(from: number, to: number): Hash[] {
    const size = this.readableSize;
    if (from < 1 || from > to) throw new StamplogError('MALFORMED', 'consistency proofs need 1 ≤ from ≤ to');
    if (to > size) throw new StamplogError('NOT_FOUND', `size ${to} is beyond the published tree size ${size}`);
    return this.core.tree.proveConsistency(from, to);
  }

  /** The bytes of hash tile `tile` as of the published tree, or NOT_FOUND if that tree has no such tile. */
  tile(tile: Tile): Uint8Array {
    this.checkTileExists(tile);
    return tileData(tile, this.core.tree);
  }

  /** The entry bundle for level-0 tile index `index` with `width` leaves, within the published tree. */
  async entryBundle(index: number, width: number): Promise<Uint8Array> {
    this.checkTileExists({ level: 0, index, width });
    return encodeEntryBundle(await (await this.readStore()).readLeaves(index * TILE_WIDTH, width));
  }

  private checkTileExists(tile: Tile): void {
    const size = this.readableSize;
    const available = Math.floor(size / 2 ** (8 * tile.level)) - tile.index * TILE_WIDTH;
    if (available < tile.width) throw new StamplogError('NOT_FOUND', 'no such tile in the published tree');
  }

  /** Entries matching (field, key), ascending by index, after `after`, within the published tree. */
  async search(field: SearchField, key: string, after: number, limit: number): Promise<number[]> {
    const size = this.readableSize;
    const found = await (await this.readStore()).search(field, searchKey(field, key), after, limit);
    return found.filter((i) => i < size);
  }

  /** Stops accepting appends, sequences everything queued, and answers every waiter. */
  async drain(): Promise<void> {
    await this.core.sequencer.drain();
    // One last round, so that appends waiting for the quorum are answered if the witnesses are up.
    await this.witnessing?.stop({ finalRound: true });
  }

  /** Stops the receipt thread, if any (after drain: no append is answered any more). */
  async close(): Promise<void> {
    await this.core.receipts.close();
  }
}

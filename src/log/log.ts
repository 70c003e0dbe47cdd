/**
 * The log facade: everything the HTTP layer (and tests) may ask of a log, over one store and one sequencer.
 *
 * Start-up (DESIGN §4 step 6) re-verifies the whole log before it serves writes: every stored leaf is
 * re-hashed, the tree is rebuilt, every stored tile must equal the rebuilt one, and the stored checkpoint must
 * carry a valid signature by this log's key over the rebuilt root at its size. Any mismatch refuses to open,
 * saying where. If the store holds more leaves than the checkpoint covers (a crash between commit and
 * checkpoint), those leaves were never acknowledged; they are verified like the rest and signed now.
 *
 * Rollback (checkpointlock.ts): with a checkpoint lock, the stored tree must extend the newest checkpoint this
 * log ever signed, or writes are refused with ROLLBACK before anything is signed.
 *
 * Storage failures stop the sequencer (STORAGE_FULL / STORAGE_FAILED) while reads of what is published go on;
 * `reopen` then replaces the store, the tree and the sequencer with ones re-opened and re-verified from disk
 * (recovery.ts decides when), never continuing on in-memory state that may not be on disk.
 *
 * Reads never reveal anything beyond the published checkpoint's size.
 */
import { StamplogError, isStamplogError } from '../base/errors.ts';
import type { Hash } from '../merkle/hash.ts';
import { hashEqual, leafHash as hashLeaf } from '../merkle/hash.ts';
import { MemoryTree } from '../merkle/memory.ts';
import { tileData, tilesForSize, TILE_WIDTH } from '../merkle/tiles.ts';
import { encodeEntryBundle } from '../merkle/bundle.ts';
import type { Tile } from '../merkle/tiles.ts';
import { decodeLeaf, entryJSONText, entryToJSON } from '../leaf/index.ts';
import type { Entry, EntryJSON, Submission } from '../leaf/types.ts';
import { toHex } from '../leaf/codec.ts';
import { ed25519NoteSigner, ed25519NoteVerifier, parseSignerKey, formatVerifierKey, SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../note/keys.ts';
import { cosignatureSigner, cosignatureTimestamp, cosignatureVerifier } from '../note/cosignature.ts';
import { openCheckpoint, signCheckpoint } from '../note/checkpoint.ts';
import { formatTlogProof } from '../note/tlogproof.ts';
import type { LogStore, SearchField } from '../store/types.ts';
import { DedupFilter } from './dedupfilter.ts';
import { LeafHashIndex } from './leafindex.ts';
import { ReceiptWriter, multiproofBody, receiptsBody } from '../receipts/receipts.ts';
import type { ReceiptItem } from '../receipts/receipts.ts';
import { ReceiptWorker } from '../receipts/worker.ts';
import { DEFAULT_SEQUENCER_OPTIONS, Sequencer } from './sequencer.ts';
import { tileMismatch } from './tree.ts';
import { SEARCH_FORMAT, searchKey, searchRows } from './searchrows.ts';
import type { CheckpointLock } from './checkpointlock.ts';
import type { NoteVerifier } from '../note/keys.ts';
import type { SequencerOptions, Sequenced } from './sequencer.ts';
import { DEFAULT_WITNESS_INTERVAL_MS, DEFAULT_WITNESS_TIMEOUT_MS, Witnessing, checkWitnessPolicy } from './witnessing.ts';
import type { SignedCheckpoint, WitnessingOptions } from './witnessing.ts';

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
   * of the tree (worker.ts), off the thread that sequences; off by default.
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

/** The fewest receipts in one answer for which a receipt thread (if any) writes them. */
export const RECEIPT_THREAD_MIN = 64;

/** How long an append waits for the witness quorum by default. */
export const DEFAULT_WITNESS_WAIT_MS = 10_000;

/** The answer to one appended submission: DESIGN §4's receipt. */
export interface Receipt {
  index: number;
  leafHash: string;
  entry: EntryJSON;
  /** C2SP tlog-proof text (leaf bytes as `extra`), verifiable offline. */
  proof: string;
  duplicate: boolean;
}

/** Rows read while verifying at start-up. */
const STARTUP_CHUNK = 4096;

/** What one opening of the store gives: everything that is rebuilt from disk when the store is re-opened. */
interface LogCore {
  readonly store: LogStore;
  readonly tree: MemoryTree;
  readonly sequencer: Sequencer;
  readonly leafIndex: LeafHashIndex;
  readonly receiptWriter: ReceiptWriter;
  readonly receiptWorker: ReceiptWorker | undefined;
}

/** The keys and signing of one log, fixed for its lifetime. */
interface LogIdentity {
  readonly origin: string;
  readonly logVerifierKey: string;
  readonly timestampVerifierKey: string;
  readonly verifier: NoteVerifier;
  readonly timestampVerifier: NoteVerifier;
  sign(size: number, root: Hash, timeMs: number): string;
}

/** Most the wall clock may be ahead of the last issued time at start-up without the operator's say. */
export const MAX_START_CLOCK_GAP_MS = 7 * 24 * 3600 * 1000;

export class TransparencyLog {
  private witnessing: Witnessing | undefined;
  private witnessWaitMs = 0;
  private receiptThreadWarned = false;
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
      await old.receiptWorker?.close();
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
   * Appends validated, signature-checked submissions; resolves with one receipt per submission, in order,
   * once they are durably logged and covered by a signed checkpoint.
   */
  async append(subs: Submission[]): Promise<Receipt[]> {
    const { items, size, note } = await this.sequence(subs);
    return items.map((item) => this.receipt(item, size, note));
  }

  /**
   * Like `append`, answering each receipt as its JSON text: `JSON.parse(text)` equals the Receipt `append`
   * would give, and the text is ASCII only (src/base/json.ts). What the HTTP layer sends; it costs a fraction of
   * building and serialising the receipt objects (consecutive leaves share most of their proof lines).
   * `check`: a check still running that must pass before `subs` are sequenced (Sequencer.submit).
   */
  async appendJSON(subs: Submission[], check?: Promise<unknown>): Promise<{ receipts: string[]; duplicates: number }> {
    const { items, size, note } = await this.sequence(subs, check);
    return { receipts: this.writeReceipts(withEntryJSON(items), size, note), duplicates: countDuplicates(items) };
  }

  /**
   * Like `appendJSON`, answering the whole `{"receipts": [ … ]}` body of a batch append (the same text
   * receiptsBody would make of appendJSON's receipts): written on the receipt thread when the log has one and
   * the batch is large, as bytes; otherwise here, as a string.
   */
  async appendBatchBody(subs: Submission[]): Promise<{ body: string | Uint8Array; count: number; duplicates: number }> {
    const worker = this.core.receiptWorker;
    if (worker === undefined || worker.failed || subs.length < RECEIPT_THREAD_MIN) {
      const { receipts, duplicates } = await this.appendJSON(subs);
      return { body: receiptsBody(receipts), count: receipts.length, duplicates };
    }
    const { items, size, root, note } = await this.sequence(subs);
    const ready = withEntryJSON(items);
    const duplicates = countDuplicates(items);
    try {
      return { body: await worker.body(ready, size, root, note), count: items.length, duplicates };
    } catch (e) {
      // The entries are logged: a failed receipt thread must not turn that into an error (nor every retry). This
      // thread writes the same bytes, now and from here on.
      if (!this.receiptThreadWarned) process.emitWarning(`receipt thread failed, receipts are written on the main thread: ${(e as Error).message}`);
      this.receiptThreadWarned = true;
      return { body: receiptsBody(this.writeReceipts(ready, size, note)), count: items.length, duplicates };
    }
  }

  /**
   * Appends a batch like `appendBatchBody`, answering in the multi-proof form (receipts.ts multiproofBody): one
   * checkpoint and one multi-leaf inclusion proof for the whole batch instead of a receipt each — what a backfill
   * needs to check that every entry is logged, at a small fraction of the bytes and work.
   */
  async appendBatchMultiproof(subs: Submission[]): Promise<{ body: string; count: number; duplicates: number }> {
    const { items, size, note } = await this.sequence(subs);
    const indexes = [...new Set(items.map((i) => i.index))].sort((a, b) => a - b);
    const proof = this.core.tree.proveMultiInclusion(indexes, size);
    return { body: multiproofBody(items, note, proof), count: items.length, duplicates: countDuplicates(items) };
  }

  /** The receipts' texts, written on this thread. */
  private writeReceipts(items: readonly ReceiptItem[], size: number, note: string): string[] {
    return items.map((item) => this.core.receiptWriter.write(item, size, note));
  }

  /** Sequences `subs` and returns the items with the checkpoint their receipts prove against. */
  private async sequence(subs: Submission[], check?: Promise<unknown>): Promise<{ items: Sequenced[]; size: number; root: Hash; note: string }> {
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

  private receipt(item: Sequenced, size: number, note: string): Receipt {
    const proof = formatTlogProof({ extra: item.leaf, index: item.index, proof: this.core.tree.proveInclusion(item.index, size), note });
    return { index: item.index, leafHash: toHex(item.leafHash), entry: entryToJSON(item.entry), proof, duplicate: item.duplicate };
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
    await this.core.receiptWorker?.close();
  }
}

/** The items with their entries' JSON text, what a receipt is written from (here or on the receipt thread). */
function withEntryJSON(items: readonly Sequenced[]): ReceiptItem[] {
  return items.map((item) => ({ index: item.index, leaf: item.leaf, leafHash: item.leafHash, entryJSON: entryJSONText(item.entry), duplicate: item.duplicate }));
}

function countDuplicates(items: readonly Sequenced[]): number {
  let n = 0;
  for (const item of items) if (item.duplicate) n++;
  return n;
}

/**
 * Brings the search rows of a store written with an older key scheme up to SEARCH_FORMAT: rows under the current
 * keys for every one of the `size` stored leaves, then the format, each chunk durable (a crash part-way leaves
 * the format unrecorded, and the next open adds the rows again, harmlessly).
 */
async function reindexSearch(store: LogStore, size: number): Promise<void> {
  const format = await store.readSearchFormat();
  if (format === SEARCH_FORMAT) return;
  if (format > SEARCH_FORMAT) throw new StamplogError('CONFLICT', `the store's search rows are of format ${format}, newer than this stamplog's (${SEARCH_FORMAT}): upgrade stamplog`);
  for (let start = 0; start < size; start += STARTUP_CHUNK) {
    const leaves = await store.readLeaves(start, Math.min(STARTUP_CHUNK, size - start));
    await store.addSearchRows(leaves.flatMap((leaf, i) => searchRows(decodeLeaf(leaf), start + i)));
  }
  await store.addSearchRows([], SEARCH_FORMAT);
}

/** Re-hashes every stored leaf, rebuilds the tree and compares every stored tile with the rebuilt one. */
async function rebuildAndVerify(store: LogStore, size: number): Promise<{ tree: MemoryTree; lastLeafTime: number }> {
  const tree = new MemoryTree(Math.max(size, 1024));
  let last: Uint8Array | undefined;
  for (let start = 0; start < size; start += STARTUP_CHUNK) {
    const count = Math.min(STARTUP_CHUNK, size - start);
    const leaves = await store.readLeaves(start, count).catch((e: unknown) => {
      // The stored size counts these leaves: a missing row means storage lost what it had committed.
      if (isStamplogError(e, 'NOT_FOUND')) {
        throw new StamplogError('CORRUPTION', `the stored tree size is ${size} but leaves ${start}…${start + count - 1} are not all stored`, { cause: e });
      }
      throw e;
    });
    for (const leaf of leaves) tree.append(leaf);
    last = leaves[leaves.length - 1];
  }
  for (const tile of tilesForSize(size)) {
    const why = tileMismatch(tile, await store.readTile(tile.level, tile.index), tileData(tile, tree), false);
    if (why !== undefined) {
      throw new StamplogError('CORRUPTION', `${why} (the stored leaf or the stored hash was altered); refusing to serve`);
    }
  }
  let lastLeafTime = 0;
  if (last !== undefined) {
    try {
      lastLeafTime = decodeLeaf(last).time;
    } catch (e) {
      throw new StamplogError('CORRUPTION', `the last stored leaf (${size - 1}) does not decode`, { cause: e });
    }
  }
  return { tree, lastLeafTime };
}

/** Parses and checks the configured keys; the signing function of every checkpoint of this log. */
function logIdentity(config: LogConfig): LogIdentity {
  const logSigner = parseSignerKey(config.logKey);
  if (logSigner.type !== SIGNATURE_TYPE_ED25519 || logSigner.name !== config.origin) {
    throw new StamplogError('MALFORMED', `the log key must be an Ed25519 key named ${config.origin}`);
  }
  const tsSigner = parseSignerKey(config.timestampKey);
  if (tsSigner.type !== SIGNATURE_TYPE_COSIGNATURE_V1) throw new StamplogError('MALFORMED', 'the timestamp key must be a cosignature/v1 key');
  const logVerifierKey = formatVerifierKey(logSigner.name, SIGNATURE_TYPE_ED25519, logSigner.publicKey);
  const timestampVerifierKey = formatVerifierKey(tsSigner.name, SIGNATURE_TYPE_COSIGNATURE_V1, tsSigner.publicKey);
  const noteSigner = ed25519NoteSigner(config.logKey);
  return {
    origin: config.origin,
    logVerifierKey,
    timestampVerifierKey,
    verifier: ed25519NoteVerifier(logVerifierKey),
    timestampVerifier: cosignatureVerifier(timestampVerifierKey),
    sign: (size, root, timeMs) =>
      signCheckpoint({ origin: config.origin, size, rootHash: root }, [noteSigner, cosignatureSigner(tsSigner, () => Math.floor(timeMs / 1000))]),
  };
}

/** The latest time carried by a verified note's timestamp cosignature (ms), or 0. */
function noteTime(opened: ReturnType<typeof openCheckpoint>, timestampVerifier: NoteVerifier): number {
  let t = 0;
  for (const s of opened.note.verified) if (s.verifier === timestampVerifier) t = Math.max(t, cosignatureTimestamp(s.signature) * 1000);
  return t;
}

/**
 * Checks the stored tree (`tree`, `size` leaves, re-verified) against the checkpoint lock: it must hold the locked
 * checkpoint's leaves with its root. Returns the time the locked checkpoint carries (ms; 0 without a lock file).
 * Throws ROLLBACK saying what it found and what the operator can do.
 */
function checkLock(config: LogConfig, id: LogIdentity, tree: MemoryTree, size: number): number {
  const lock = config.lock;
  if (lock === undefined) return 0;
  const text = lock.read();
  if (text === undefined) {
    if (size > 0 && config.adoptLock !== true) {
      throw new StamplogError(
        'ROLLBACK',
        `there is no checkpoint lock at ${lock.path}, but the data directory holds a log of ${size} entries; without the lock a restored ` +
          'old copy cannot be told from the newest one. If this log has never had a lock (first start of this version) or the lock was ' +
          'moved, compare the stored log with the newest checkpoint a monitor or witness holds, then start once with --adopt-lock',
      );
    }
    return 0;
  }
  let opened;
  try {
    opened = openCheckpoint(text, id.verifier, { verifiers: [id.timestampVerifier] });
  } catch (e) {
    throw new StamplogError(
      'ROLLBACK',
      `the checkpoint lock ${lock.path} does not hold a checkpoint signed by this log's key (${(e as Error).message}); refusing writes. ` +
        'Restore the lock from its backup or volume; do not delete it',
      { cause: e },
    );
  }
  const cp = opened.checkpoint;
  if (cp.size > size) {
    throw new StamplogError(
      'ROLLBACK',
      `this log already signed a checkpoint of size ${cp.size} (checkpoint lock ${lock.path}) but the data directory holds only ${size} entries: ` +
        'it is older than what was published (restored from an old backup?), and signing now would fork the log. Restore a copy holding at ' +
        `least ${cp.size} entries (the newest backup, or a replica), or freeze this log and start a new one under a new origin (docs/operations.md)`,
      { details: { lockedSize: cp.size, storedSize: size } },
    );
  }
  if (!hashEqual(cp.rootHash, tree.rootAt(cp.size))) {
    throw new StamplogError(
      'ROLLBACK',
      `the stored tree's root at size ${cp.size} differs from the checkpoint this log signed at that size (checkpoint lock ${lock.path}): ` +
        'the data directory forks from what was published. Restore the right data directory, or freeze this log (docs/operations.md)',
      { details: { lockedSize: cp.size, storedSize: size } },
    );
  }
  return noteTime(opened, id.timestampVerifier);
}

/**
 * Opens everything that lives on one opening of `store`: re-verifies the stored tree, its checkpoint and the lock,
 * extends `previous` (the newest checkpoint signed before a re-open) or refuses, and signs the stored tree if no
 * checkpoint covers it. Nothing is signed before the tree was re-read and re-hashed.
 */
async function openCore(store: LogStore, config: LogConfig, id: LogIdentity, previous: SignedCheckpoint | undefined): Promise<LogCore> {
  const clock = config.clock ?? Date.now;
  const state = await store.readState();
  const { tree, lastLeafTime } = await rebuildAndVerify(store, state.size);
  if (previous !== undefined && (previous.size > state.size || !hashEqual(previous.root, tree.rootAt(previous.size)))) {
    throw new StamplogError('ROLLBACK', `the re-opened store (size ${state.size}) does not extend the checkpoint signed before (size ${previous.size})`);
  }
  let lastTime = Math.max(lastLeafTime, checkLock(config, id, tree, state.size));
  let checkpoint: SignedCheckpoint | undefined;
  if (state.checkpoint !== null) {
    let opened;
    try {
      opened = openCheckpoint(state.checkpoint, id.verifier, { verifiers: [id.timestampVerifier] });
    } catch (e) {
      // A note that does not parse is a torn write: like a missing file, the tree is re-verified and signed again.
      // One that parses but is not signed by this key is another matter (another key, or tampering): say so.
      if (!isStamplogError(e, 'MALFORMED')) {
        throw new StamplogError('CORRUPTION', `the stored checkpoint does not verify with this log key ${id.logVerifierKey} (${(e as Error).message}); was this data directory written with another key?`, { cause: e });
      }
      opened = undefined;
    }
    if (opened !== undefined) {
      const cp = opened.checkpoint;
      if (cp.size > state.size) throw new StamplogError('CORRUPTION', `the stored checkpoint (size ${cp.size}) is beyond the stored tree (size ${state.size})`);
      if (!hashEqual(cp.rootHash, tree.rootAt(cp.size))) {
        throw new StamplogError('CORRUPTION', `the stored checkpoint's root at size ${cp.size} differs from the root recomputed from storage`);
      }
      // The timestamp cosignature carries the time of the last tree head; times never go back past it.
      lastTime = Math.max(lastTime, noteTime(opened, id.timestampVerifier));
      checkpoint = { size: cp.size, root: cp.rootHash, note: state.checkpoint };
    }
  }

  const now = clock();
  const seen = Math.max(lastTime, config.lastRunTime ?? 0);
  if (seen > 0 && now - seen > MAX_START_CLOCK_GAP_MS && config.acceptClock !== true) {
    throw new StamplogError(
      'CLOCK_AHEAD',
      `the clock (${new Date(now).toISOString()}) is more than ${MAX_START_CLOCK_GAP_MS / 86_400_000} days ahead of the last time this log issued ` +
        `or ran (${new Date(seen).toISOString()}); a time issued now cannot be taken back. Check the clock; if it is right, start with --accept-clock`,
    );
  }

  let served: SignedCheckpoint;
  if (checkpoint !== undefined && checkpoint.size === state.size) served = checkpoint;
  else {
    // Leaves beyond the checkpoint were committed but never acknowledged; they verified above: sign them now.
    const time = Math.max(now, lastTime);
    const root = tree.root();
    served = { size: state.size, root, note: id.sign(state.size, root, time) };
    lastTime = time;
  }
  // Lock the checkpoint about to be served before anything else, written again even when the lock already holds
  // it: the store's copy may be ahead of the lock (it is written behind the answer), there may be no lock yet
  // (--adopt-lock, an empty log), or the lock's last write may have failed after reaching the page cache (what it
  // reads back is then not known to be durable). It is of the stored tree's own size, which extends the lock
  // (checked above), so the lock never goes back.
  config.lock?.record(served.note);
  if (served !== checkpoint) await store.putCheckpoint(served.size, served.note);

  await reindexSearch(store, state.size);
  const dedupFilter = await DedupFilter.load(store);
  const receiptWorker = config.receiptThread === true ? new ReceiptWorker(tree) : undefined;
  const sequencer = new Sequencer({
    store,
    tree,
    sign: id.sign,
    record: config.lock === undefined ? undefined : (note: string) => config.lock?.record(note),
    clock,
    ...(config.monotonic !== undefined ? { monotonic: config.monotonic } : config.clock === undefined ? { monotonic: () => performance.now() } : {}),
    options: { ...DEFAULT_SEQUENCER_OPTIONS, ...config.sequencer },
    state: { lastTime, checkpoint: served },
    readLeaf: async (index: number) => {
      const [leaf] = await store.readLeaves(index, 1);
      return { leaf, entry: decodeLeaf(leaf) };
    },
    dedupFilter,
    onAppend: receiptWorker === undefined ? undefined : (from: number, hashes: Hash[]) => receiptWorker.appended(from, hashes),
    onStop: config.onStop,
    onClock: config.onClock,
  });
  return { store, tree, sequencer, leafIndex: new LeafHashIndex(tree), receiptWriter: new ReceiptWriter(tree), receiptWorker };
}

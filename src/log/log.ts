/**
 * The log facade: everything the HTTP layer (and tests) may ask of a log, over one store and one sequencer.
 *
 * Start-up (DESIGN §4 step 6) re-verifies the whole log before it serves writes: every stored leaf is
 * re-hashed, the tree is rebuilt, every stored tile must equal the rebuilt one, and the stored checkpoint must
 * carry a valid signature by this log's key over the rebuilt root at its size. Any mismatch refuses to open,
 * saying where. If the store holds more leaves than the checkpoint covers (a crash between commit and
 * checkpoint), those leaves were never acknowledged; they are verified like the rest and signed now.
 *
 * Reads never reveal anything beyond the published checkpoint's size.
 */
import { StamplogError, isStamplogError } from '../errors.ts';
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
import { ReceiptWriter, multiproofBody, receiptsBody } from './receipts.ts';
import type { ReceiptItem } from './receipts.ts';
import { ReceiptWorker } from './receiptworker.ts';
import { DEFAULT_SEQUENCER_OPTIONS, Sequencer } from './sequencer.ts';
import { tileMismatch } from './tree.ts';
import { searchKey } from './searchrows.ts';
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
  sequencer?: Partial<SequencerOptions>;
  /**
   * Write the receipts of large appends (batches of RECEIPT_THREAD_MIN or more) on a worker thread with a replica
   * of the tree (receiptworker.ts), off the thread that sequences; off by default.
   */
  receiptThread?: boolean;
  /** Witnesses to ask for cosignatures on their own cadence (DESIGN §4 step 7); none by default. */
  witnessing?: Omit<WitnessingOptions, 'intervalMs' | 'timeoutMs'> & {
    intervalMs?: number;
    timeoutMs?: number;
    /** With a quorum: how long an append waits for it before answering PUSHBACK (503). */
    waitMs?: number;
  };
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

export class TransparencyLog {
  private witnessing: Witnessing | undefined;
  private witnessWaitMs = 0;
  private receiptWorker: ReceiptWorker | undefined;
  private receiptThreadWarned = false;
  private readonly receiptWriter: ReceiptWriter;
  private readonly leafIndex: LeafHashIndex;

  private constructor(
    readonly origin: string,
    readonly logVerifierKey: string,
    readonly timestampVerifierKey: string,
    private readonly store: LogStore,
    private readonly tree: MemoryTree,
    private readonly sequencer: Sequencer,
  ) {
    this.leafIndex = new LeafHashIndex(tree);
    this.receiptWriter = new ReceiptWriter(tree);
  }

  /**
   * Opens the log over an already opened `store`: re-verifies everything stored, signs a checkpoint if none
   * covers the stored tree, and returns a log ready to append. Throws CORRUPTION saying what did not match.
   */
  static async open(store: LogStore, config: LogConfig): Promise<TransparencyLog> {
    const clock = config.clock ?? Date.now;
    const logSigner = parseSignerKey(config.logKey);
    if (logSigner.type !== SIGNATURE_TYPE_ED25519 || logSigner.name !== config.origin) {
      throw new StamplogError('MALFORMED', `the log key must be an Ed25519 key named ${config.origin}`);
    }
    const tsSigner = parseSignerKey(config.timestampKey);
    if (tsSigner.type !== SIGNATURE_TYPE_COSIGNATURE_V1) throw new StamplogError('MALFORMED', 'the timestamp key must be a cosignature/v1 key');
    const logVerifierKey = formatVerifierKey(logSigner.name, SIGNATURE_TYPE_ED25519, logSigner.publicKey);
    const timestampVerifierKey = formatVerifierKey(tsSigner.name, SIGNATURE_TYPE_COSIGNATURE_V1, tsSigner.publicKey);
    const noteSigner = ed25519NoteSigner(config.logKey);
    const verifier = ed25519NoteVerifier(logVerifierKey);
    const timestampVerifier = cosignatureVerifier(timestampVerifierKey);

    const state = await store.readState();
    const { tree, lastLeafTime } = await rebuildAndVerify(store, state.size);

    let lastTime = lastLeafTime;
    let checkpoint: { size: number; root: Hash; note: string } | undefined;
    if (state.checkpoint !== null) {
      let opened;
      try {
        opened = openCheckpoint(state.checkpoint, verifier, { verifiers: [timestampVerifier] });
      } catch (e) {
        throw new StamplogError('CORRUPTION', 'the stored checkpoint does not verify with this log key', { cause: e });
      }
      const cp = opened.checkpoint;
      if (cp.size > state.size) throw new StamplogError('CORRUPTION', `the stored checkpoint (size ${cp.size}) is beyond the stored tree (size ${state.size})`);
      if (!hashEqual(cp.rootHash, tree.rootAt(cp.size))) {
        throw new StamplogError('CORRUPTION', `the stored checkpoint's root at size ${cp.size} differs from the root recomputed from storage`);
      }
      for (const s of opened.note.verified) {
        // The timestamp cosignature carries the time of the last tree head; times never go back past it.
        if (s.verifier === timestampVerifier) lastTime = Math.max(lastTime, cosignatureTimestamp(s.signature) * 1000);
      }
      checkpoint = { size: cp.size, root: cp.rootHash, note: state.checkpoint };
    }

    const sign = (size: number, root: Hash, timeMs: number): string =>
      signCheckpoint({ origin: config.origin, size, rootHash: root }, [
        noteSigner,
        cosignatureSigner(tsSigner, () => Math.floor(timeMs / 1000)),
      ]);

    if (checkpoint === undefined || checkpoint.size !== state.size) {
      // Leaves beyond the checkpoint were committed but never acknowledged; they verified above: sign them now.
      const time = Math.max(clock(), lastTime);
      const root = tree.root();
      const note = sign(state.size, root, time);
      await store.putCheckpoint(state.size, note);
      checkpoint = { size: state.size, root, note };
      lastTime = time;
    }

    const opts = { ...DEFAULT_SEQUENCER_OPTIONS, ...config.sequencer };
    const dedupFilter = await DedupFilter.load(store);
    const readLeaf = async (index: number) => {
      const [leaf] = await store.readLeaves(index, 1);
      return { leaf, entry: decodeLeaf(leaf) };
    };
    const receiptWorker = config.receiptThread === true ? new ReceiptWorker(tree) : undefined;
    const onAppend = receiptWorker === undefined ? undefined : (from: number, hashes: Hash[]) => receiptWorker.appended(from, hashes);
    const sequencer = new Sequencer(store, tree, sign, clock, opts, { lastTime, checkpoint }, readLeaf, dedupFilter, onAppend);
    const log = new TransparencyLog(config.origin, logVerifierKey, timestampVerifierKey, store, tree, sequencer);
    log.receiptWorker = receiptWorker;
    if (config.witnessing !== undefined) {
      checkWitnessPolicy(config.witnessing.policy, logVerifierKey);
      log.witnessWaitMs = config.witnessing.waitMs ?? DEFAULT_WITNESS_WAIT_MS;
      log.witnessing = new Witnessing(
        { get latestSigned() { return sequencer.checkpoint; }, proveConsistency: (from, to) => tree.proveConsistency(from, to) },
        { intervalMs: DEFAULT_WITNESS_INTERVAL_MS, timeoutMs: DEFAULT_WITNESS_TIMEOUT_MS, ...config.witnessing },
      );
      log.witnessing.start();
    }
    return log;
  }

  /** The newest signed checkpoint (note text with signature lines), witnessed or not. */
  get checkpoint(): SignedCheckpoint {
    return this.sequencer.checkpoint;
  }

  /**
   * What `/checkpoint` publishes. Without witnesses: the newest signed checkpoint. With witnesses and
   * `quorum none`: the same, carrying the cosignatures gathered for it if the last witnessing round was
   * for that very tree. With a quorum: the newest checkpoint cosigned by the quorum, undefined before the
   * first one.
   */
  get published(): SignedCheckpoint | undefined {
    const newest = this.sequencer.checkpoint;
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
    return this.sequencer.checkpoint.size;
  }

  /** The witnessing loop, if witnesses are configured. */
  get witnesses(): Witnessing | undefined {
    return this.witnessing;
  }

  /** Why the log stopped accepting writes, if it did. */
  get failure(): StamplogError | undefined {
    return this.sequencer.failure;
  }

  get queueLength(): number {
    return this.sequencer.queueLength;
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
   * would give, and the text is ASCII only (src/json.ts). What the HTTP layer sends; it costs a fraction of
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
    const worker = this.receiptWorker;
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
    const proof = this.tree.proveMultiInclusion(indexes, size);
    return { body: multiproofBody(items, note, proof), count: items.length, duplicates: countDuplicates(items) };
  }

  /** The receipts' texts, written on this thread. */
  private writeReceipts(items: readonly ReceiptItem[], size: number, note: string): string[] {
    return items.map((item) => this.receiptWriter.write(item, size, note));
  }

  /** Sequences `subs` and returns the items with the checkpoint their receipts prove against. */
  private async sequence(subs: Submission[], check?: Promise<unknown>): Promise<{ items: Sequenced[]; size: number; root: Hash; note: string }> {
    const result = await this.sequencer.submit(subs, check);
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
    const proof = formatTlogProof({ extra: item.leaf, index: item.index, proof: this.tree.proveInclusion(item.index, size), note });
    return { index: item.index, leafHash: toHex(item.leafHash), entry: entryToJSON(item.entry), proof, duplicate: item.duplicate };
  }

  private checkIndex(index: number, size: number): void {
    if (index >= size) throw new StamplogError('NOT_FOUND', `index ${index} is not below the tree size ${size}`);
  }

  /** The leaf at `index` (< published size). */
  async entry(index: number): Promise<{ index: number; leaf: Uint8Array; leafHash: Hash; entry: Entry }> {
    this.checkIndex(index, this.readableSize);
    const [leaf] = await this.store.readLeaves(index, 1);
    return { index, leaf, leafHash: hashLeaf(leaf), entry: decodeLeaf(leaf) };
  }

  /** Inclusion proof of leaf `index` in the tree of `size` (≤ published size). */
  inclusionProof(index: number, size: number): Hash[] {
    const readable = this.readableSize;
    if (size > readable) throw new StamplogError('NOT_FOUND', `size ${size} is beyond the published tree size ${readable}`);
    this.checkIndex(index, size);
    return this.tree.proveInclusion(index, size);
  }

  /** The index of the first leaf with hash `leafHash` within the published tree, or NOT_FOUND. */
  async indexOfLeafHash(leafHash: Hash): Promise<number> {
    const index = this.leafIndex.find(leafHash, this.readableSize);
    if (index === undefined) throw new StamplogError('NOT_FOUND', 'no leaf with that hash in the published tree');
    return index;
  }

  /** Consistency proof between the trees of `from` and `to` leaves (1 ≤ from ≤ to ≤ published size). */
  consistencyProof(from: number, to: number): Hash[] {
    const size = this.readableSize;
    if (from < 1 || from > to) throw new StamplogError('MALFORMED', 'consistency proofs need 1 ≤ from ≤ to');
    if (to > size) throw new StamplogError('NOT_FOUND', `size ${to} is beyond the published tree size ${size}`);
    return this.tree.proveConsistency(from, to);
  }

  /** The bytes of hash tile `tile` as of the published tree, or NOT_FOUND if that tree has no such tile. */
  tile(tile: Tile): Uint8Array {
    this.checkTileExists(tile);
    return tileData(tile, this.tree);
  }

  /** The entry bundle for level-0 tile index `index` with `width` leaves, within the published tree. */
  async entryBundle(index: number, width: number): Promise<Uint8Array> {
    this.checkTileExists({ level: 0, index, width });
    return encodeEntryBundle(await this.store.readLeaves(index * TILE_WIDTH, width));
  }

  private checkTileExists(tile: Tile): void {
    const size = this.readableSize;
    const available = Math.floor(size / 2 ** (8 * tile.level)) - tile.index * TILE_WIDTH;
    if (available < tile.width) throw new StamplogError('NOT_FOUND', 'no such tile in the published tree');
  }

  /** Entries matching (field, key), ascending by index, after `after`, within the published tree. */
  async search(field: SearchField, key: string, after: number, limit: number): Promise<number[]> {
    const size = this.readableSize;
    const found = await this.store.search(field, searchKey(field, key), after, limit);
    return found.filter((i) => i < size);
  }

  /** Stops accepting appends, sequences everything queued, and answers every waiter. */
  async drain(): Promise<void> {
    await this.sequencer.drain();
    // One last round, so that appends waiting for the quorum are answered if the witnesses are up.
    await this.witnessing?.stop({ finalRound: true });
  }

  /** Stops the receipt thread, if any (after drain: no append is answered any more). */
  async close(): Promise<void> {
    await this.receiptWorker?.close();
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

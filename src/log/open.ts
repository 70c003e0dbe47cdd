/**
 * Opening a log over one store (DESIGN §4 step 6): everything that is rebuilt from disk when the store is opened
 * or re-opened. The whole log is re-verified before it serves writes: every stored leaf is re-hashed, the tree is
 * rebuilt, every stored tile must equal the rebuilt one, and the stored checkpoint must carry a valid signature by
 * this log's key over the rebuilt root at its size. Any mismatch refuses to open, saying where. If the store
 * holds more leaves than the checkpoint covers (a crash between commit and checkpoint), those leaves were never
 * acknowledged; they are verified like the rest and signed now.
 *
 * Rollback (checkpointlock.ts): with a checkpoint lock, the stored tree must extend the newest checkpoint this
 * log ever signed, or writes are refused with ROLLBACK before anything is signed.
 */
import { StamplogError, isStamplogError } from '../base/index.ts';
import type { Hash } from '../merkle/index.ts';
import { hashEqual, MemoryTree, tileData, tilesForSize } from '../merkle/index.ts';
import { decodeLeaf } from '../leaf/index.ts';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  parseSignerKey,
  formatVerifierKey,
  SIGNATURE_TYPE_ED25519,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  cosignatureSigner,
  cosignatureTimestamp,
  cosignatureVerifier,
  openCheckpoint,
  signCheckpoint,
} from '../note/index.ts';
import type { NoteVerifier } from '../note/index.ts';
import { Receipts } from '../receipts/index.ts';
import type { LogStore } from '../store/index.ts';
import type { LogConfig } from './config.ts';
import { DedupFilter } from './dedupfilter.ts';
import { LeafHashIndex } from './leafindex.ts';
import { SEARCH_FORMAT, searchRows } from './searchrows.ts';
import { DEFAULT_SEQUENCER_OPTIONS, Sequencer } from './sequencer.ts';
import { tileMismatch } from './tree.ts';
import type { SignedCheckpoint } from './witnessing.ts';

/** Rows read while verifying at start-up. */
const STARTUP_CHUNK = 4096;

/** Most the wall clock may be ahead of the last issued time at start-up without the operator's say. */
export const MAX_START_CLOCK_GAP_MS = 7 * 24 * 3600 * 1000;

/** What one opening of the store gives: everything that is rebuilt from disk when the store is re-opened. */
export interface LogCore {
  readonly store: LogStore;
  readonly tree: MemoryTree;
  readonly sequencer: Sequencer;
  readonly leafIndex: LeafHashIndex;
  readonly receipts: Receipts;
}

/** The keys and signing of one log, fixed for its lifetime. */
export interface LogIdentity {
  readonly origin: string;
  readonly logVerifierKey: string;
  readonly timestampVerifierKey: string;
  readonly verifier: NoteVerifier;
  readonly timestampVerifier: NoteVerifier;
  sign(size: number, root: Hash, timeMs: number): string;
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
export function logIdentity(config: LogConfig): LogIdentity {
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
export async function openCore(store: LogStore, config: LogConfig, id: LogIdentity, previous: SignedCheckpoint | undefined): Promise<LogCore> {
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
  const receipts = new Receipts(tree, { thread: config.receiptThread === true });
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
    onAppend: receipts.onAppend,
    onStop: config.onStop,
    onClock: config.onClock,
  });
  return { store, tree, sequencer, leafIndex: new LeafHashIndex(tree), receipts };
}

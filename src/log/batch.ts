/**
 * What one batch of the sequencer (sequencer.ts) is made of, step 2 of its contract: the submissions of the
 * requests it took, deduplicated (against batches in flight, the store and within the batch), given
 * consecutive indexes and one log time, encoded as leaves and appended to the working tree; and, once the batch
 * is signed, the answer of each request. The order of the steps and what a crash leaves are the sequencer's.
 */
import { StamplogError } from '../base/index.ts';
import type { Hash } from '../merkle/index.ts';
import { leafHash } from '../merkle/index.ts';
import type { Entry, Submission } from '../leaf/index.ts';
import { dedupKey, encodeLeaf, makeEntry } from '../leaf/index.ts';
import type { LogStore, SearchRow } from '../store/index.ts';
import type { DedupFilter } from './dedupfilter.ts';
import { searchRows } from './searchrows.ts';
import type { WorkingTree } from './tree.ts';

/** What the sequencer answers for one submission. */
export interface Sequenced {
  index: number;
  entry: Entry;
  leaf: Uint8Array;
  leafHash: Hash;
  /** True when an identical entry was already logged; `index` is then the original's. */
  duplicate: boolean;
}

/** What the sequencer answers for one request (one or more submissions). */
export interface SequencedBatch {
  items: Sequenced[];
  /** The signed checkpoint that includes every item (tree size ≥ every index + 1). */
  checkpoint: { size: number; root: Hash; note: string };
}

/** One queued request. */
export interface Waiter {
  subs: Submission[];
  keys: string[];
  /** A check that must fulfil before these submissions may be sequenced (Sequencer.submit). */
  check: Promise<unknown> | undefined;
  resolve(result: SequencedBatch): void;
  reject(error: unknown): void;
}

/** A batch's new leaves, appended to the tree, and the rows its commit writes with them. */
export interface BuiltBatch {
  fromSize: number;
  toSize: number;
  /** New entries by dedup key, in index order. */
  fresh: Map<string, Sequenced>;
  leaves: Uint8Array[];
  hashes: Hash[];
  search: SearchRow[];
  dedup: { key: string; index: number }[];
}

/**
 * The keys of `waiters` already logged, with their index: new entries of batches in flight (`inFlight`), and
 * store rows, asked in one lookup about only the keys `filter` may hold (the others are certainly new).
 */
export async function findKnown(waiters: readonly Waiter[], inFlight: ReadonlyMap<string, Sequenced>, filter: DedupFilter, store: LogStore): Promise<Map<string, number>> {
  const known = new Map<string, number>();
  const toLookUp: string[] = [];
  for (const w of waiters) {
    for (const key of w.keys) {
      const pending = inFlight.get(key);
      if (pending !== undefined) known.set(key, pending.index);
      else if (filter.mayHave(key)) toLookUp.push(key);
    }
  }
  const uniqueKeys = [...new Set(toLookUp)];
  const found = await store.lookupDedup(uniqueKeys);
  uniqueKeys.forEach((k, i) => {
    const idx = found[i];
    if (idx !== undefined) known.set(k, idx);
  });
  return known;
}

/** Where buildBatch puts a batch: its log time, the keys already logged, the tree and the dedup filter it grows. */
export interface BatchTarget {
  known: ReadonlyMap<string, number>;
  time: number;
  tree: WorkingTree;
  filter: DedupFilter;
}

/**
 * Makes a leaf at `time` of each submission of `waiters` that is neither `known` nor earlier in the batch, in
 * order, appends them to `tree` and adds their keys to `filter`. Synchronous: nothing else sees the tree between.
 */
export function buildBatch(waiters: readonly Waiter[], { known, time, tree, filter }: BatchTarget): BuiltBatch {
  const fromSize = tree.size;
  const fresh = new Map<string, Sequenced>();
  const leaves: Uint8Array[] = [];
  const hashes: Hash[] = [];
  const search: SearchRow[] = [];
  const dedup: { key: string; index: number }[] = [];
  for (const w of waiters) {
    w.subs.forEach((sub, i) => {
      const key = w.keys[i];
      if (known.has(key) || fresh.has(key)) return;
      const index = fromSize + leaves.length;
      const entry = makeEntry(sub, time);
      const leaf = encodeLeaf(entry);
      const hash = leafHash(leaf);
      tree.appendLeafHash(hash);
      leaves.push(leaf);
      hashes.push(hash);
      fresh.set(key, { index, entry, leaf, leafHash: hash, duplicate: false });
      dedup.push({ key, index });
      filter.add(key);
      search.push(...searchRows(entry, index));
    });
  }
  return { fromSize, toSize: fromSize + leaves.length, fresh, leaves, hashes, search, dedup };
}

/**
 * The answer of each of `waiters` once their batch is covered by `checkpoint`: each new leaf (`fresh`) is
 * answered as new to the first request that asked for it, as a duplicate to the rest; a `known` key with its
 * logged leaf, read back through `readLeaf` (below `fromSize`, the tree before the batch).
 */
export async function answerWaiters(
  waiters: readonly Waiter[],
  batch: { fromSize: number; fresh: ReadonlyMap<string, Sequenced>; known: ReadonlyMap<string, number> },
  checkpoint: SequencedBatch['checkpoint'],
  readLeaf: (index: number) => Promise<{ entry: Entry; leaf: Uint8Array }>,
): Promise<SequencedBatch[]> {
  const out: SequencedBatch[] = [];
  const answered = new Set<string>();
  for (const w of waiters) {
    const items: Sequenced[] = [];
    for (const key of w.keys) {
      const f = batch.fresh.get(key);
      if (f !== undefined) {
        items.push(answered.has(key) ? { ...f, duplicate: true } : f);
        answered.add(key);
        continue;
      }
      // A dedup row that points beyond the tree or at another entry means storage was altered: never answer
      // with someone else's leaf.
      const index = batch.known.get(key) as number;
      if (index >= batch.fromSize) throw new StamplogError('CORRUPTION', `a stored dedup row points at index ${index}, beyond the tree (${batch.fromSize})`);
      const { entry, leaf } = await readLeaf(index);
      if (dedupKey(entry) !== key) throw new StamplogError('CORRUPTION', `a stored dedup row points at leaf ${index}, which holds another entry`);
      items.push({ index, entry, leaf, leafHash: leafHash(leaf), duplicate: true });
    }
    out.push({ items, checkpoint });
  }
  return out;
}

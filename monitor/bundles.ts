/**
 * Entry bundles (C2SP tlog-tiles, "Log entries") as the audit reads them: where each leaf lies in the fetched
 * bytes rather than a copy of each (src/merkle's decodeEntryBundle copies every leaf; at 10^6 leaves a pass
 * those copies are a measurable part of the audit), and a stream of consecutive bundles fetched a few at a time
 * ahead of the consumer, in order, so the log's server works while the monitor hashes and checks.
 *
 * splitEntryBundle accepts exactly what decodeEntryBundle accepts, and for anything else throws
 * decodeEntryBundle's own error (it calls it): monitor/test/bundles.test.ts checks the two agree on random
 * bundles.
 */
import { StamplogError } from '../src/base/errors.ts';
import { TILE_WIDTH, decodeEntryBundle } from '../src/merkle/index.ts';
import { foldPerfect, leafHashInto } from './treehash.ts';

/** The leaves of one entry bundle: leaf i is bytes[at[i] + 2, at[i + 1]) (after its uint16 length prefix). */
export interface SplitBundle {
  readonly bytes: Buffer;
  readonly at: Int32Array;
  readonly count: number;
}

/**
 * Splits entry bundle `bytes`; if `width` is given the bundle must hold exactly that many leaves. Throws
 * MALFORMED for truncated or trailing bytes, zero or more than 256 leaves (decodeEntryBundle's errors).
 */
export function splitEntryBundle(bytes: Buffer, width?: number): SplitBundle {
  const at = new Int32Array(TILE_WIDTH + 1);
  let count = 0;
  let p = 0;
  let ok = width === undefined || (Number.isSafeInteger(width) && width >= 1 && width <= TILE_WIDTH);
  while (ok && p < bytes.length) {
    if (count === TILE_WIDTH || p + 2 > bytes.length) ok = false;
    else {
      at[count++] = p;
      p += 2 + ((bytes[p] << 8) | bytes[p + 1]);
      if (p > bytes.length) ok = false;
    }
  }
  if (!ok || count === 0 || (width !== undefined && count !== width)) {
    decodeEntryBundle(bytes, width); // throws the reference decoder's error for these bytes
    throw new StamplogError('INTERNAL', 'splitEntryBundle: decodeEntryBundle accepted what the split refused'); // unreachable (tested)
  }
  at[count] = p;
  return { bytes, at, count };
}

/** A bundle with the RFC 6962 hashes of its leaves (treehash.ts). */
export interface HashedBundle extends SplitBundle {
  /** Leaf i's hash at [32·i, 32·i + 32), for each of the `count` leaves. */
  readonly leafHashes: Uint8Array;
  /** The root of the bundle's perfect subtree when it holds all 256 leaves of its tile. */
  readonly root: Uint8Array | undefined;
}

/** Hashes every leaf of `b` (and folds a whole bundle into its subtree root). */
export function hashBundle(b: SplitBundle): HashedBundle {
  const leafHashes = new Uint8Array(32 * b.count);
  for (let i = 0; i < b.count; i++) leafHashInto(b.bytes, b.at[i] + 2, b.at[i + 1], leafHashes, 32 * i);
  let root: Uint8Array | undefined;
  if (b.count === TILE_WIDTH) {
    const scratch = leafHashes.slice();
    foldPerfect(scratch, TILE_WIDTH);
    root = scratch.slice(0, 32);
  }
  return { bytes: b.bytes, at: b.at, count: b.count, leafHashes, root };
}

/** Consecutive hashed bundles, in order. */
export interface BundleSource {
  /** The next bundle; throws if its fetch failed or none is left. */
  take(): Promise<HashedBundle>;
  /** Stops fetching (bundles not taken yet are dropped). */
  close(): Promise<void>;
}

/** Fetches one bundle: the leaves of entry bundle `index` that a tree of the audited size holds (`width`). */
export type BundleFetcher = (index: number, width: number) => Promise<SplitBundle>;

/**
 * Bundles first..last (inclusive) of a tree of `size` leaves, in order, with up to `ahead` requests in flight,
 * hashed in this thread as they are taken. A fetch that fails surfaces when its bundle is taken; fetches still
 * running when the consumer stops early are left to finish unobserved (their failures are handled here, never
 * unhandled rejections).
 */
export class BundleStream implements BundleSource {
  readonly #fetch: BundleFetcher;
  readonly #size: number;
  readonly #last: number;
  readonly #ahead: number;
  readonly #queue: Promise<SplitBundle>[] = [];
  #next: number;

  constructor(fetch: BundleFetcher, first: number, last: number, size: number, ahead: number) {
    this.#fetch = fetch;
    this.#next = first;
    this.#last = last;
    this.#size = size;
    this.#ahead = Math.max(1, ahead);
    this.#fill();
  }

  #fill(): void {
    while (this.#queue.length < this.#ahead && this.#next <= this.#last) {
      const n = this.#next++;
      const p = this.#fetch(n, Math.min(TILE_WIDTH, this.#size - n * TILE_WIDTH));
      p.catch(() => undefined);
      this.#queue.push(p);
    }
  }

  /** The next bundle in order, fetched but not hashed (for a caller that hashes elsewhere). */
  async takeSplit(): Promise<SplitBundle> {
    const p = this.#queue.shift();
    if (p === undefined) throw new RangeError('BundleStream: no bundle left');
    this.#fill();
    return p;
  }

  async take(): Promise<HashedBundle> {
    return hashBundle(await this.takeSplit());
  }

  async close(): Promise<void> {
    this.#next = this.#last + 1;
    this.#queue.length = 0;
  }
}

/** The first `count` bundles from `head`, then the rest from `tail` (both already started). */
export class ChainedSource implements BundleSource {
  readonly #head: BundleSource;
  readonly #tail: BundleSource;
  #left: number;

  constructor(head: BundleSource, count: number, tail: BundleSource) {
    this.#head = head;
    this.#tail = tail;
    this.#left = count;
  }

  take(): Promise<HashedBundle> {
    if (this.#left > 0) {
      this.#left--;
      return this.#head.take();
    }
    return this.#tail.take();
  }

  async close(): Promise<void> {
    await Promise.all([this.#head.close(), this.#tail.close()]);
  }
}

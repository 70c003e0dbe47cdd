/**
 * A stream of consecutive entry bundles of one log, fetched a few at a time ahead of the consumer, in order, so
 * the log's server works while the monitor hashes and checks. Bundles are split and hashed by src/merkle
 * (splitEntryBundle, hashEntryBundle): where each leaf lies in the fetched bytes, not a copy of each.
 */
import { TILE_WIDTH, hashEntryBundle } from '../../src/merkle/index.ts';
import type { HashedBundle as HashedBytes, SplitBundle } from '../../src/merkle/index.ts';

/** A bundle as the audit takes it: a Buffer split in place, with its leaf hashes (src/merkle hashEntryBundle). */
export type HashedBundle = HashedBytes<Buffer>;

/** Consecutive hashed bundles, in order. */
export interface BundleSource {
  /** The next bundle; throws if its fetch failed or none is left. */
  take(): Promise<HashedBundle>;
  /** Stops fetching (bundles not taken yet are dropped). */
  close(): Promise<void>;
}

/** Fetches one bundle: the leaves of entry bundle `index` that a tree of the audited size holds (`width`). */
export type BundleFetcher = (index: number, width: number) => Promise<SplitBundle<Buffer>>;

/** Which bundles a BundleStream reads, and how: bundles first..last (inclusive) of a tree of `size` leaves. */
export interface BundleRange {
  fetch: BundleFetcher;
  first: number;
  last: number;
  size: number;
  /** Requests in flight. */
  ahead: number;
}

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
  readonly #queue: Promise<SplitBundle<Buffer>>[] = [];
  #next: number;

  constructor(r: BundleRange) {
    this.#fetch = r.fetch;
    this.#next = r.first;
    this.#last = r.last;
    this.#size = r.size;
    this.#ahead = Math.max(1, r.ahead);
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
  async takeSplit(): Promise<SplitBundle<Buffer>> {
    const p = this.#queue.shift();
    if (p === undefined) throw new RangeError('BundleStream: no bundle left');
    this.#fill();
    return p;
  }

  async take(): Promise<HashedBundle> {
    return hashEntryBundle(await this.takeSplit());
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

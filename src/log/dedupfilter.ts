/**
 * The sequencer's first look at a dedup key: a growing Bloom filter (src/base/bloom.ts) of every key logged, loaded
 * from the store at start-up and extended as batches are sequenced. Almost every submission is new, and for a
 * new key LevelDB has to search its memtable and every level before it can say "absent" (a libuv thread's time
 * per key, competing with the commit for the same cores); with the filter, only keys it may hold (the filter's
 * false positives among new ones, plus real resubmissions) are looked up. A false positive costs one lookup
 * that finds nothing; a key is never wrongly taken as new, because "absent" from a Bloom filter is certain.
 */
import { GrowingBloomFilter, textKey } from '../base/index.ts';
import type { LogStore } from '../store/index.ts';

export class DedupFilter {
  readonly #bloom = new GrowingBloomFilter();

  /** A filter holding every dedup key in `store` (one pass over its dedup rows: about 1 s per 10^6 entries). */
  static async load(store: LogStore): Promise<DedupFilter> {
    const f = new DedupFilter();
    await store.forEachDedupKey((k) => f.add(k));
    return f;
  }

  add(key: string): void {
    this.#bloom.add(textKey(key));
  }

  /** False only if `key` was never added. */
  mayHave(key: string): boolean {
    return this.#bloom.mayHave(textKey(key));
  }
}

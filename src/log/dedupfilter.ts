/**
 * The sequencer's first look at a dedup key: a growing Bloom filter (src/bloom.ts) of every key logged, loaded
 * from the store at start-up and extended as batches are sequenced. Almost every submission is new, and for a
 * new key LevelDB has to search its memtable and every level before it can say "absent" (several µs of a
 * libuv thread per key, competing with the commit for the same two cores); with the filter, only keys it may
 * hold (about 1 in 1,000 new ones, plus real resubmissions) are looked up. A false positive costs one lookup
 * that finds nothing; a key is never wrongly taken as new, because "absent" from a Bloom filter is certain.
 */
import { GrowingBloomFilter } from '../bloom.ts';
import type { LogStore } from '../store/types.ts';

/** FNV-1a over the key's UTF-16 code units (dedup keys are hex digests: any spread-out 32 bits will do). */
function filterKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
}

export class DedupFilter {
  readonly #bloom = new GrowingBloomFilter();

  /** A filter holding every dedup key in `store` (one pass over its dedup rows: about 1 s per 10^6 entries). */
  static async load(store: LogStore): Promise<DedupFilter> {
    const f = new DedupFilter();
    await store.forEachDedupKey((k) => f.add(k));
    return f;
  }

  add(key: string): void {
    this.#bloom.add(filterKey(key));
  }

  /** False only if `key` was never added. */
  mayHave(key: string): boolean {
    return this.#bloom.mayHave(filterKey(key));
  }
}

/**
 * Leaf hash → index, answered from the in-memory tree instead of a storage row per entry (the tree already
 * holds every leaf hash; an index row would cost every append one more LevelDB write, forever).
 *
 * An open-addressing table of leaf indexes keyed by the first 4 bytes of their leaf hash (SHA-256 output, so
 * already uniform), kept at most half full: 8 bytes a leaf. A lookup compares the whole hash with the tree's for
 * each candidate. The table follows the tree lazily: each lookup first adds the leaves appended since the last
 * one, so it needs no hook in the sequencer; callers bound the answer by the size they may reveal.
 *
 * Limits: up to 2^31 leaves (the tree itself stops at about 2^26 on Node 20).
 */
import type { Hash, MemoryTree } from '../merkle/index.ts';

const EMPTY = 0; // slots hold index + 1

export class LeafHashIndex {
  #slots = new Uint32Array(1024);
  #mask = 1023;
  #indexed = 0;

  constructor(private readonly tree: MemoryTree) {}

  /** The smallest index below `below` whose leaf hash is `hash`, or undefined. */
  find(hash: Hash, below: number): number | undefined {
    this.#catchUp();
    const tree = this.tree;
    const prefix = ((hash[0] << 24) | (hash[1] << 16) | (hash[2] << 8) | hash[3]) >>> 0;
    let best: number | undefined;
    for (let slot = prefix & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const v = this.#slots[slot];
      if (v === EMPTY) return best;
      const index = v - 1;
      if (index < below && (best === undefined || index < best) && tree.leafHashEquals(index, hash)) best = index;
    }
  }

  #catchUp(): void {
    const size = this.tree.size;
    if (this.#indexed === size) return;
    if (2 * size > this.#slots.length) this.#grow(size);
    for (let i = this.#indexed; i < size; i++) this.#insert(i);
    this.#indexed = size;
  }

  #grow(size: number): void {
    let capacity = this.#slots.length;
    while (2 * size > capacity) capacity *= 2;
    this.#slots = new Uint32Array(capacity);
    this.#mask = capacity - 1;
    for (let i = 0; i < this.#indexed; i++) this.#insert(i);
  }

  #insert(index: number): void {
    let slot = this.tree.leafHashPrefix(index) & this.#mask;
    while (this.#slots[slot] !== EMPTY) slot = (slot + 1) & this.#mask;
    this.#slots[slot] = index + 1;
  }
}

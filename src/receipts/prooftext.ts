/**
 * Inclusion proofs as text, for a log answering batches of consecutive leaves against one tree size. The proof of
 * leaf `index` in the tree of `size` leaves is `tree.proveInclusion(index, size).map(render).join('')`, but:
 *
 *   - every distinct proof entry of a size (merkle inclusionProofEntries names them) is rendered once;
 *   - a leaf of a complete block of 2^BLOCK_LEVEL leaves (one tile of leaves) costs its BLOCK_LEVEL siblings
 *     within the block plus one lookup of the block's upper part, which every leaf of the block shares.
 *
 * One cache per tree and rendering, reset when the size changes; the Merkle maths stays in src/merkle.
 */
import { StamplogError } from '../base/index.ts';
import type { Hash, MemoryTree } from '../merkle/index.ts';
import { inclusionProofEntries, storedHashIndex } from '../merkle/index.ts';

/** Leaves of one block share their proofs above this level (a block is one tile of leaves). */
const BLOCK_LEVEL = 8;
const BLOCK_LEAVES = 2 ** BLOCK_LEVEL;

/** A proof as text: its rendered entries joined, and how many there are. */
export interface ProofText {
  text: string;
  count: number;
}

export class ProofTextCache {
  #size = -1;
  /** Rendered entries of the current size, by entry name (inclusionProofEntries). */
  readonly #entries = new Map<number, string>();
  /** The joined entries above BLOCK_LEVEL of each complete block of the current size, by block. */
  readonly #upper = new Map<number, ProofText>();

  /** `render` turns one proof hash into its text; it is called once per distinct entry of a size. */
  constructor(
    private readonly tree: MemoryTree,
    private readonly render: (hash: Hash) => string,
  ) {}

  /**
   * The inclusion proof of leaf `index` in the tree of `size` leaves (≤ tree.size) as text; throws as
   * proveInclusion does (MALFORMED unless index < size, NOT_FOUND for a size beyond the tree).
   */
  prove(index: number, size: number): ProofText {
    if (size !== this.#size) {
      if (size > this.tree.size) throw new StamplogError('NOT_FOUND', 'size exceeds the tree size', { details: { size, treeSize: this.tree.size } });
      this.#entries.clear();
      this.#upper.clear();
      this.#size = size;
    }
    const block = Math.floor(index / BLOCK_LEAVES);
    if (!(Number.isSafeInteger(index) && index >= 0) || (block + 1) * BLOCK_LEAVES > size) {
      // The block holding the last leaves (or an index the maths refuses): the whole path, entry by entry.
      return this.#join(inclusionProofEntries(0, index, size));
    }
    // RFC 9162 §2.1.3.1 within a complete block: the sibling at each level below BLOCK_LEVEL is a complete node.
    let text = '';
    for (let j = 0, node = index; j < BLOCK_LEVEL; j++, node = Math.floor(node / 2)) {
      text += this.#entry(storedHashIndex(j, node % 2 === 0 ? node + 1 : node - 1));
    }
    let upper = this.#upper.get(block);
    if (upper === undefined) {
      upper = this.#join(inclusionProofEntries(BLOCK_LEVEL, block, size));
      this.#upper.set(block, upper);
    }
    return { text: text + upper.text, count: BLOCK_LEVEL + upper.count };
  }

  #entry(entry: number): string {
    let text = this.#entries.get(entry);
    if (text === undefined) {
      text = this.render(this.tree.proofEntry(entry, this.#size));
      this.#entries.set(entry, text);
    }
    return text;
  }

  #join(entries: readonly number[]): ProofText {
    let text = '';
    for (const e of entries) text += this.#entry(e);
    return { text, count: entries.length };
  }
}

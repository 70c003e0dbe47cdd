/**
 * The reference receipt (DESIGN §3): the answer to one appended submission as an object, built the slow,
 * obvious way — the inclusion proof from the tree, the tlog-proof from note/tlogproof.ts formatTlogProof, the
 * entry from leaf entryToJSON. The fast text writer (writer.ts) must write `asciiJSON(JSON.stringify(r))` of it,
 * byte for byte (test/receipts/writer.test.ts); tests and tools use the objects.
 */
import { toHex } from '../base/index.ts';
import type { Entry, EntryJSON } from '../leaf/index.ts';
import { entryToJSON } from '../leaf/index.ts';
import type { Hash, MemoryTree } from '../merkle/index.ts';
import { formatTlogProof } from '../note/index.ts';

/** The answer to one appended submission: DESIGN §4's receipt. */
export interface Receipt {
  index: number;
  leafHash: string;
  entry: EntryJSON;
  /** C2SP tlog-proof text (leaf bytes as `extra`), verifiable offline. */
  proof: string;
  duplicate: boolean;
}

/** A logged submission, as the sequencer answers it: where it is, its entry and leaf, whether it was there before. */
export interface LoggedItem {
  index: number;
  entry: Entry;
  leaf: Uint8Array;
  leafHash: Hash;
  /** True when an identical entry was already logged; `index` is then the original's. */
  duplicate: boolean;
}

/** The receipt of `item` with its inclusion proof in `tree` at `size` leaves, signed as `note`. */
export function referenceReceipt(tree: MemoryTree, item: LoggedItem, size: number, note: string): Receipt {
  const proof = formatTlogProof({ extra: item.leaf, index: item.index, proof: tree.proveInclusion(item.index, size), note });
  return { index: item.index, leafHash: toHex(item.leafHash), entry: entryToJSON(item.entry), proof, duplicate: item.duplicate };
}

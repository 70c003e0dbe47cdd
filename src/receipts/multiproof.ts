/**
 * The answer body of a batch append in the multi-proof form (`?receipts=multiproof`), ASCII JSON:
 *
 *     {"checkpoint": "<signed note>",
 *      "entries": [{"index": 7, "time": 1732350000000, "duplicate": false},
 *                  {"index": 3, "time": 1732340000000, "duplicate": true, "leaf": "<base64>"}, …],
 *      "proof": ["<base64 hash>", …]}
 *
 * one item per submission, in order; `proof` is the multi-leaf inclusion proof (merkle/multiproof.ts) of the
 * distinct indexes, ascending, in the checkpoint's tree. A new entry's leaf is the canonical encoding of the
 * submission at `time` (DESIGN §3), which the submitter can compute; a duplicate's is the earlier leaf, sent.
 * What a backfill needs to check that every entry is logged, at a small fraction of the bytes and work of a
 * receipt each.
 */
import { toBase64, jsonStringASCII } from '../base/index.ts';
import type { MemoryTree } from '../merkle/index.ts';
import type { LoggedItem } from './reference.ts';

/** What a multi-proof answer says of one submission: where it is logged, when (its entry's time), and its leaf. */
export type MultiproofItem = Pick<LoggedItem, 'index' | 'entry' | 'leaf' | 'duplicate'>;

/** The multi-proof answer body for `items` against the checkpoint `note` of `tree` at `size` leaves. */
export function multiproofAnswer(tree: MemoryTree, items: readonly MultiproofItem[], size: number, note: string): string {
  const indexes = [...new Set(items.map((i) => i.index))].sort((a, b) => a - b);
  const proof = tree.proveMultiInclusion(indexes, size);
  const entries = items.map((i) =>
    i.duplicate ? `{"index":${i.index},"time":${i.entry.time},"duplicate":true,"leaf":"${toBase64(i.leaf)}"}` : `{"index":${i.index},"time":${i.entry.time},"duplicate":false}`,
  );
  return `{"checkpoint":${jsonStringASCII(note)},"entries":[${entries.join(',')}],"proof":[${proof.map((h) => `"${toBase64(h)}"`).join(',')}]}`;
}

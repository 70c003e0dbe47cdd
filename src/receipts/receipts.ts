/**
 * Receipts (DESIGN §3) as JSON text: `{"index", "leafHash", "entry", "proof", "duplicate"}` with the C2SP
 * tlog-proof of the leaf against a checkpoint, written straight to text (no receipt objects, no
 * JSON.stringify), ASCII only (src/base/json.ts). One writer per tree: it remembers the proof lines of the latest tree
 * size, so that a batch of consecutive leaves renders each distinct proof hash once. Used on the log's thread
 * (log.ts) and on the receipt thread (thread.ts), so both write the same bytes.
 */
import { toBase64, toHex } from '../base/bytes.ts';
import { jsonStringASCII } from '../base/json.ts';
import type { Hash } from '../merkle/hash.ts';
import type { MemoryTree } from '../merkle/memory.ts';
import type { ProofTextCache } from '../merkle/prove.ts';
import { TlogProofJSONWriter } from '../note/tlogproof.ts';
import type { Sequenced } from '../log/sequencer.ts';

/** What a receipt is about: a logged leaf, its entry as JSON text (entryJSONText), whether it was already logged. */
export interface ReceiptItem {
  index: number;
  leaf: Uint8Array;
  leafHash: Hash;
  entryJSON: string;
  duplicate: boolean;
}

export class ReceiptWriter {
  readonly #proofLines: ProofTextCache = { size: -1, entries: new Map(), upper: new Map() };
  readonly #proof = new TlogProofJSONWriter();

  constructor(private readonly tree: MemoryTree) {}

  /** The receipt of `item` with its inclusion proof in the tree of `size` leaves, signed as `note`. */
  write(item: ReceiptItem, size: number, note: string): string {
    const lines = this.tree.proveInclusionText(this.#proofLines, item.index, size, this.#proof.line);
    const proof = this.#proof.write(item.leaf, item.index, lines.text, lines.count, note);
    return (
      `{"index":${item.index},"leafHash":"${toHex(item.leafHash)}","entry":${item.entryJSON},` +
      `"proof":"${proof}","duplicate":${item.duplicate}}`
    );
  }
}

/** What a batch append's answer body holds around its receipts, separated by commas. */
export const BODY_OPEN = '{"receipts":[';
export const BODY_CLOSE = ']}';

/** The answer body of a batch append: `{"receipts": [ … ]}` around the receipts' texts. */
export function receiptsBody(receipts: readonly string[]): string {
  return `${BODY_OPEN}${receipts.join(',')}${BODY_CLOSE}`;
}

/** What a multi-proof answer says of one submission: where it is logged, when (its entry's time), and its leaf. */
export type MultiproofItem = Pick<Sequenced, 'index' | 'entry' | 'leaf' | 'duplicate'>;

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
 */
export function multiproofBody(items: readonly MultiproofItem[], note: string, proof: readonly Hash[]): string {
  const entries = items.map((i) =>
    i.duplicate ? `{"index":${i.index},"time":${i.entry.time},"duplicate":true,"leaf":"${toBase64(i.leaf)}"}` : `{"index":${i.index},"time":${i.entry.time},"duplicate":false}`,
  );
  return `{"checkpoint":${jsonStringASCII(note)},"entries":[${entries.join(',')}],"proof":[${proof.map((h) => `"${toBase64(h)}"`).join(',')}]}`;
}

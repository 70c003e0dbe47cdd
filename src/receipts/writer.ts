/**
 * Receipts (DESIGN §3) as JSON text: `{"index", "leafHash", "entry", "proof", "duplicate"}` with the C2SP
 * tlog-proof of the leaf against a checkpoint, written straight to text (no receipt objects, no
 * JSON.stringify), ASCII only (src/base/json.ts). The text is byte for byte `asciiJSON(JSON.stringify(r))` of
 * the reference receipt r (reference.ts; test/receipts/writer.test.ts). One writer per tree: it keeps the proof
 * lines of the latest tree size (prooftext.ts) and the latest note's escaped text (tlogproofjson.ts), so that a
 * batch of consecutive leaves renders each distinct proof hash once. Used on the log's thread (answers.ts) and on
 * the receipt thread (thread.ts), so both write the same bytes.
 */
import { toHex } from '../base/index.ts';
import type { Hash, MemoryTree } from '../merkle/index.ts';
import { ProofTextCache } from './prooftext.ts';
import { TlogProofJSONWriter } from './tlogproofjson.ts';

/** What a receipt is about: a logged leaf, its entry as JSON text (entryJSONText), whether it was already logged. */
export interface ReceiptItem {
  index: number;
  leaf: Uint8Array;
  leafHash: Hash;
  entryJSON: string;
  duplicate: boolean;
}

export class ReceiptWriter {
  readonly #proof = new TlogProofJSONWriter();
  readonly #lines: ProofTextCache;

  constructor(tree: MemoryTree) {
    this.#lines = new ProofTextCache(tree, this.#proof.line);
  }

  /** The receipt of `item` with its inclusion proof in the tree of `size` leaves, signed as `note`. */
  write(item: ReceiptItem, size: number, note: string): string {
    const lines = this.#lines.prove(item.index, size);
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

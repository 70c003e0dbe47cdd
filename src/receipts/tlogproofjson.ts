/**
 * C2SP tlog-proof text (src/note/tlogproof.ts) written as the inside of a JSON string literal (no quotes; ASCII
 * only, see src/base/json.ts), for a log answering thousands of receipts against one checkpoint. For the same
 * arguments, `JSON.parse('"' + w.write(extra, index, lines, count, note) + '"')` equals
 * `formatTlogProof({ extra, index, proof, note })` where `lines` is the concatenation of `w.line(h)` for the
 * `count` hashes of `proof`, and the same input errors are thrown (test/receipts/tlogproofjson.test.ts).
 *
 * Each writer checks and escapes the notes it is given once per distinct note (it remembers the latest); callers
 * render each distinct proof hash once (prooftext.ts: consecutive leaves share most of their proof).
 */
import { asciiJSON, StamplogError, malformed } from '../base/index.ts';
import {
  MAX_TLOG_PROOF_BYTES,
  MAX_TLOG_PROOF_EXTRA_BYTES,
  MAX_TLOG_PROOF_HASHES,
  TLOG_PROOF_HEADER,
  base64Encode,
  checkTlogProofNote,
} from '../note/index.ts';

export class TlogProofJSONWriter {
  #note: string | undefined;
  #noteJSON = '';
  #noteBytes = 0;

  /** One proof line for `hash` (32 bytes), escaped for the inside of a JSON string (a function, not a method). */
  readonly line = (hash: Uint8Array): string => {
    if (!(hash instanceof Uint8Array) || hash.length !== 32) throw malformed('tlog-proof: proof hash is not 32 bytes');
    return `${base64Encode(hash)}\\n`;
  };

  write(extra: Uint8Array, index: number, lines: string, lineCount: number, note: string): string {
    if (!Number.isSafeInteger(index) || index < 0) throw malformed('tlog-proof: index is not an integer in [0, 2^53 - 1]');
    if (lineCount > MAX_TLOG_PROOF_HASHES) throw malformed('tlog-proof: too many proof hashes');
    if (!(extra instanceof Uint8Array)) throw malformed('tlog-proof: extra data is not bytes');
    if (extra.length > MAX_TLOG_PROOF_EXTRA_BYTES) throw new StamplogError('TOO_LARGE', 'tlog-proof: extra data too large');
    if (note !== this.#note) {
      this.#noteBytes = checkTlogProofNote(note);
      this.#noteJSON = asciiJSON(JSON.stringify(note)).slice(1, -1);
      this.#note = note;
    }
    const digits = String(index);
    const b64 = extra.length > 0 ? base64Encode(extra) : '';
    // The exact UTF-8 size of the text formatTlogProof would write: header, extra, index, proof lines, empty
    // line, note.
    const bytes = TLOG_PROOF_HEADER.length + 1 + (b64.length > 0 ? 7 + b64.length : 0) + 7 + digits.length + 45 * lineCount + 1 + this.#noteBytes;
    if (bytes > MAX_TLOG_PROOF_BYTES) throw new StamplogError('TOO_LARGE', `tlog-proof: larger than ${MAX_TLOG_PROOF_BYTES} bytes`, { details: { maxBytes: MAX_TLOG_PROOF_BYTES } });
    const head = b64.length > 0 ? `${TLOG_PROOF_HEADER}\\nextra ${b64}\\nindex ${digits}\\n` : `${TLOG_PROOF_HEADER}\\nindex ${digits}\\n`;
    return `${head}${lines}\\n${this.#noteJSON}`;
  }
}

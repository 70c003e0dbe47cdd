/**
 * Offline proofs of logging, per C2SP tlog-proof (https://c2sp.org/tlog-proof, §Format): our
 * receipts (DESIGN §3), stored as `<filename>.tlog-proof`.
 *
 *     c2sp.org/tlog-proof@v1
 *     extra <base64 of opaque extra data>          optional; we put the leaf bytes here
 *     index <zero-based leaf index>
 *     <base64 hash>                                0..63 inclusion proof hashes, leaf's sibling first
 *     …
 *                                                  an empty line
 *     <signed checkpoint note, verbatim>           checkpoint.ts / note.ts, cosignatures included
 *
 * Parsing is strict: the header line is exact; the extra data is non-empty canonical base64 of at
 * most {@link MAX_TLOG_PROOF_EXTRA_BYTES} bytes (a proof without extra data omits the line, so an
 * empty `extra ` line is non-canonical); the index is a canonical decimal ≤ 2^53 − 1; each proof line
 * is the canonical 44-character base64 of exactly 32 bytes; at most {@link MAX_TLOG_PROOF_HASHES}
 * (63, the depth of a tree of 2^63 leaves); the trailing note must parse as a signed note whose text
 * is a checkpoint. The whole proof is capped at {@link MAX_TLOG_PROOF_BYTES}. Nothing is verified
 * here: signatures, the index against the tree size and the proof against the root are the caller's
 * (see src/client). {@link formatTlogProof} writes exactly what {@link parseTlogProof} accepts.
 */
import { hashLinesBase64, StamplogError, malformed } from '../base/index.ts';
import { base64Decode, base64Encode, isUint53, parseDecimal, textAndBytes } from './encoding.ts';
import { MAX_NOTE_BYTES, parseNote } from './note.ts';
import { parseCheckpoint } from './checkpoint.ts';
import type { Checkpoint } from './checkpoint.ts';

/** The first line of every tlog-proof. */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** Most inclusion proof hashes in a proof (a tree of at most 2^63 leaves). */
export const MAX_TLOG_PROOF_HASHES = 63;
/** Largest extra data accepted, in bytes (our leaves are at most 65,535 bytes: DESIGN §2). */
export const MAX_TLOG_PROOF_EXTRA_BYTES = 1 << 16;
/** Largest proof accepted, in bytes: a full note plus extra data and hashes. */
export const MAX_TLOG_PROOF_BYTES = MAX_NOTE_BYTES + (1 << 17);

/** The contents of a tlog-proof. */
export interface TlogProof {
  /** Opaque, unauthenticated extra data (our leaf bytes); absent or empty means no `extra` line. */
  readonly extra?: Uint8Array;
  readonly index: number;
  /** The RFC 6962 inclusion proof, 32-byte hashes from the leaf's sibling up. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly note: string;
}

/** A parsed tlog-proof, with its checkpoint decoded (not verified). */
export interface ParsedTlogProof extends TlogProof {
  readonly checkpoint: Checkpoint;
}

function hashLine(line: string, n: number): Uint8Array {
  const h = base64Decode(line, `tlog-proof: proof line ${n}`);
  if (h.length !== 32) throw malformed(`tlog-proof: proof line ${n} is not a 32-byte hash`);
  return h;
}

function checkNote(note: string): Checkpoint {
  return parseCheckpoint(parseNote(note).text);
}

/**
 * Checks that `note` may end a tlog-proof (a signed note whose text is a checkpoint, as parseTlogProof requires)
 * and returns its size in UTF-8 bytes; throws MALFORMED (or TOO_LARGE) otherwise. For writers that check each
 * distinct note once (src/receipts).
 */
export function checkTlogProofNote(note: string): number {
  if (typeof note !== 'string') throw malformed('tlog-proof: note is not a string');
  checkNote(note);
  return textAndBytes(note, MAX_TLOG_PROOF_BYTES, 'tlog-proof').bytes.length;
}

/** The proof that the tlog-proof text `input` (a string or UTF-8 bytes) encodes; throws MALFORMED/TOO_LARGE otherwise. */
export function parseTlogProof(input: string | Uint8Array): ParsedTlogProof {
  const { text } = textAndBytes(input, MAX_TLOG_PROOF_BYTES, 'tlog-proof');
  let pos = 0;
  const nextLine = (what: string): string => {
    const end = text.indexOf('\n', pos);
    if (end < 0) throw malformed(`tlog-proof: missing ${what}`);
    const line = text.slice(pos, end);
    pos = end + 1;
    return line;
  };
  if (nextLine('header line') !== TLOG_PROOF_HEADER) throw malformed(`tlog-proof: first line is not ${TLOG_PROOF_HEADER}`);
  let line = nextLine('index line');
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    extra = base64Decode(line.slice('extra '.length), 'tlog-proof: extra data');
    if (extra.length === 0) throw malformed('tlog-proof: empty extra line (omit the line instead)');
    if (extra.length > MAX_TLOG_PROOF_EXTRA_BYTES) {
      throw new StamplogError('TOO_LARGE', `tlog-proof: extra data larger than ${MAX_TLOG_PROOF_EXTRA_BYTES} bytes`);
    }
    line = nextLine('index line');
  }
  if (!line.startsWith('index ')) throw malformed('tlog-proof: missing index line');
  const index = parseDecimal(line.slice('index '.length), 'tlog-proof: index');
  const proof: Uint8Array[] = [];
  for (;;) {
    line = nextLine('empty line before the checkpoint');
    if (line === '') break;
    if (proof.length === MAX_TLOG_PROOF_HASHES) throw malformed(`tlog-proof: more than ${MAX_TLOG_PROOF_HASHES} proof lines`);
    proof.push(hashLine(line, proof.length + 1));
  }
  const note = text.slice(pos);
  const checkpoint = checkNote(note);
  return extra === undefined ? { index, proof, note, checkpoint } : { extra, index, proof, note, checkpoint };
}

/** The tlog-proof text of `p`; throws MALFORMED (or TOO_LARGE) if any field would not parse back. */
export function formatTlogProof(p: TlogProof): string {
  if (!isUint53(p.index)) throw malformed('tlog-proof: index is not an integer in [0, 2^53 - 1]');
  if (!Array.isArray(p.proof) || p.proof.length > MAX_TLOG_PROOF_HASHES) throw malformed('tlog-proof: too many proof hashes');
  let out = `${TLOG_PROOF_HEADER}\n`;
  if (p.extra !== undefined) {
    if (!(p.extra instanceof Uint8Array)) throw malformed('tlog-proof: extra data is not bytes');
    if (p.extra.length > MAX_TLOG_PROOF_EXTRA_BYTES) throw new StamplogError('TOO_LARGE', 'tlog-proof: extra data too large');
    // tlog-proof §Format: "If no extra data is present, this line is omitted."
    if (p.extra.length > 0) out += `extra ${base64Encode(p.extra)}\n`;
  }
  out += `index ${String(p.index)}\n`;
  for (const h of p.proof) {
    if (!(h instanceof Uint8Array) || h.length !== 32) throw malformed('tlog-proof: proof hash is not 32 bytes');
  }
  out += hashLinesBase64(p.proof);
  if (typeof p.note !== 'string') throw malformed('tlog-proof: note is not a string');
  checkNote(p.note);
  out += `\n${p.note}`;
  // Everything before the note is ASCII and the note is checked text, so only the size can be wrong; a
  // UTF-8 encoding has at most 3 bytes per UTF-16 unit, so the exact count is needed only near the limit.
  if (out.length * 3 > MAX_TLOG_PROOF_BYTES) textAndBytes(out, MAX_TLOG_PROOF_BYTES, 'tlog-proof');
  return out;
}

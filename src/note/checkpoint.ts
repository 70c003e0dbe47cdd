/**
 * Transparency log checkpoints, per C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint, §Note
 * text): the text of a signed note (note.ts) made of at least three non-empty lines,
 *
 *     example.com/testlog                              origin
 *     300                                              tree size, canonical decimal
 *     YIKAzr3eSMKJmenLg58DmAo+Yui5VQqih1jpEnnr1lc=     root hash, standard base64 of 32 bytes
 *     [extension lines]                                opaque, non-empty, optional
 *
 * each ending in "\n". Parsing is strict: the origin is non-empty without control characters; the
 * size is a canonical decimal (no sign, leading zeros or spaces) up to 2^53 − 1; the root is the
 * canonical 44-character base64 of exactly 32 bytes; extension lines are kept (tlog-checkpoint makes
 * them optional and NOT RECOMMENDED; our log writes none). Texts longer than MAX_NOTE_BYTES are
 * rejected. {@link formatCheckpoint} writes exactly what {@link parseCheckpoint} accepts, so
 * format(parse(t)) === t for every accepted t.
 *
 * {@link openCheckpoint} = openNote + parseCheckpoint + the log's key must have signed it + the
 * origin must be the expected one (by default the log key's name: tlog-checkpoint §Signatures says
 * the key name SHOULD match the origin line).
 */
import { StamplogError, malformed } from '../base/index.ts';
import { base64Decode, base64Encode, isUint53, isWellFormed, parseDecimal } from './encoding.ts';
import { MAX_NOTE_BYTES, checkNoteText, openNote, signNote } from './note.ts';
import type { OpenedNote } from './note.ts';
import type { NoteSigner, NoteVerifier } from './keys.ts';

/** A parsed checkpoint. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** The 32-byte RFC 6962 root hash of the tree of `size` leaves. */
  readonly rootHash: Uint8Array;
  /** Extension lines, without their newlines (empty for our own log). */
  readonly extensions: readonly string[];
}

/** What {@link formatCheckpoint} needs; `extensions` defaults to none. */
export interface CheckpointFields {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}

const CONTROL = /\p{Cc}/u;

function checkLine(line: string, what: string): void {
  if (line.length === 0) throw malformed(`checkpoint: empty ${what}`);
  if (CONTROL.test(line)) throw malformed(`checkpoint: control character in ${what}`);
  if (!isWellFormed(line)) throw malformed(`checkpoint: lone surrogate in ${what}`);
}

/** The checkpoint that the note text `text` encodes; throws MALFORMED unless it is strictly well-formed. */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw malformed('checkpoint: not a string');
  if (text.length > MAX_NOTE_BYTES) throw new StamplogError('TOO_LARGE', 'checkpoint: text too large');
  if (!text.endsWith('\n')) throw malformed('checkpoint: text does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  // tlog-checkpoint §Note text: at least three non-empty lines.
  if (lines.length < 3) throw malformed('checkpoint: fewer than three lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  checkLine(origin, 'origin line'); // 1. origin, non-empty
  const size = parseDecimal(sizeLine, 'checkpoint: tree size'); // 2. decimal, no leading zeroes
  const rootHash = base64Decode(rootLine, 'checkpoint: root hash'); // 3. base64 root hash
  if (rootHash.length !== 32) throw malformed('checkpoint: root hash is not 32 bytes');
  // 4. extension lines, if any, MUST be non-empty.
  for (const e of extensions) checkLine(e, 'extension line');
  return { origin, size, rootHash, extensions };
}

/** The note text of the checkpoint `cp`; throws MALFORMED if `cp` has a field that would not parse back. */
export function formatCheckpoint(cp: CheckpointFields): string {
  if (typeof cp.origin !== 'string') throw malformed('checkpoint: origin is not a string');
  checkLine(cp.origin, 'origin line');
  if (!isUint53(cp.size)) throw malformed('checkpoint: size is not an integer in [0, 2^53 - 1]');
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== 32) throw malformed('checkpoint: root hash is not 32 bytes');
  let text = `${cp.origin}\n${String(cp.size)}\n${base64Encode(cp.rootHash)}\n`;
  for (const e of cp.extensions ?? []) {
    if (typeof e !== 'string') throw malformed('checkpoint: extension line is not a string');
    checkLine(e, 'extension line');
    text += `${e}\n`;
  }
  checkNoteText(text, 'checkpoint');
  return text;
}

/** The signed note of the checkpoint `cp` signed by each of `signers`. */
export function signCheckpoint(cp: CheckpointFields, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

/** Options of {@link openCheckpoint}. */
export interface OpenCheckpointOptions {
  /** The origin the checkpoint must carry; defaults to the log verifier's key name. */
  readonly origin?: string;
  /** More verifiers (e.g. witness cosigners) whose signatures must verify if present. */
  readonly verifiers?: readonly NoteVerifier[];
}

/** The outcome of {@link openCheckpoint}. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/**
 * The checkpoint in the signed note `note`, which `logVerifier` must have signed and whose origin
 * must be `opts.origin` (default: the verifier's name); throws as openNote does, MALFORMED for a bad
 * checkpoint text and UNVERIFIED when the log did not sign it or the origin differs.
 */
export function openCheckpoint(note: string | Uint8Array, logVerifier: NoteVerifier, opts: OpenCheckpointOptions = {}): OpenedCheckpoint {
  const opened = openNote(note, [logVerifier, ...(opts.verifiers ?? [])]);
  const checkpoint = parseCheckpoint(opened.text);
  // A witness cosignature alone satisfies openNote; a checkpoint needs the log's own signature.
  if (!opened.verified.some((s) => s.verifier === logVerifier)) {
    throw new StamplogError('UNVERIFIED', `checkpoint: not signed by the log key ${logVerifier.name}`);
  }
  const want = opts.origin ?? logVerifier.name;
  if (checkpoint.origin !== want) {
    throw new StamplogError('UNVERIFIED', `checkpoint: origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(want)}`, {
      details: { origin: checkpoint.origin, expected: want },
    });
  }
  return { checkpoint, note: opened };
}

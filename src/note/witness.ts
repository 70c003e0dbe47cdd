/**
 * The C2SP tlog-witness wire format (https://c2sp.org/tlog-witness), both sides: the log formats an
 * add-checkpoint request and reads a 409 answer (src/log/witnessing.ts); a witness parses the request and
 * writes the 409 answer (monitor/witness). Pure: no network, no clock.
 *
 * The request body (`POST <witness>/add-checkpoint`):
 *
 *     old 20852014\n                                      old size: canonical decimal
 *     PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n      0..63 consistency proof hashes, base64
 *     \n
 *     <signed checkpoint note>
 *
 * The 409 Conflict answer (old size ≠ the size the witness holds) has Content-Type text/x.tlog.size and the
 * witness's size as its body: `20852163\n`.
 *
 * Parsing is strict: a canonical decimal old size, at most 63 proof lines each exactly base64 of 32 bytes, the
 * blank line, and a non-empty note (whose syntax and signatures the caller checks). Limits: a request is at
 * most MAX_ADD_CHECKPOINT_BYTES (a note at its limit plus 63 proof lines). The format may grow only through
 * the spec: unknown lines are refused.
 */
import { canonicalDecimal, fromBase64, toBase64, StamplogError } from '../base/index.ts';
import { MAX_NOTE_BYTES } from './note.ts';

/** Most consistency proof lines a request may carry (tlog-witness). */
export const MAX_PROOF_LINES = 63;

/** Largest add-checkpoint body accepted: a note at MAX_NOTE_BYTES, the old size line and the proof lines. */
export const MAX_ADD_CHECKPOINT_BYTES = MAX_NOTE_BYTES + (MAX_PROOF_LINES + 1) * 64;

/** The media type of a 409 answer's body (tlog-witness). */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** An add-checkpoint request: the size the sender believes the witness holds, the proof from it, the note. */
export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  note: string;
}

/** The body of the add-checkpoint request `r` (`r.note` is the signed checkpoint note, ending in a newline). */
export function formatAddCheckpoint(r: AddCheckpointRequest): string {
  return `old ${r.oldSize}\n${r.proof.map((h) => `${toBase64(h)}\n`).join('')}\n${r.note}`;
}

function bad(message: string): StamplogError {
  return new StamplogError('MALFORMED', message);
}

/** Parses an add-checkpoint body strictly (see the module comment); throws MALFORMED on any deviation. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const nl = body.indexOf('\n');
  if (nl < 0) throw bad('no old size line');
  const line = body.slice(0, nl);
  const oldSize = line.startsWith('old ') ? canonicalDecimal(line.slice(4)) : undefined;
  if (oldSize === undefined) throw bad('malformed old size line');
  const proof: Uint8Array[] = [];
  let at = nl + 1;
  for (;;) {
    const end = body.indexOf('\n', at);
    if (end < 0) throw bad('no empty line before the checkpoint');
    const line = body.slice(at, end);
    at = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} proof lines`);
    const h = fromBase64(line, 32);
    if (h === undefined) throw bad(`proof line ${proof.length + 1} is not base64 of 32 bytes`);
    proof.push(h);
  }
  const note = body.slice(at);
  if (note === '') throw bad('no checkpoint');
  return { oldSize, proof, note };
}

/** The body of a 409 answer telling the witness's `size`. */
export function formatTlogSize(size: number): string {
  return `${size}\n`;
}

/** True when `contentType` (a Content-Type header, parameters allowed) is that of a 409 size answer. */
export function isTlogSizeType(contentType: string): boolean {
  return contentType.split(';')[0].trim() === TLOG_SIZE_CONTENT_TYPE;
}

/** The size in a 409 answer body (`<canonical decimal>` with an optional final newline), or undefined. */
export function parseTlogSize(body: string): number | undefined {
  return canonicalDecimal(body.endsWith('\n') ? body.slice(0, -1) : body);
}

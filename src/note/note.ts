/**
 * Signed notes, per C2SP signed-note (https://c2sp.org/signed-note, §Format, §Signatures) with the
 * semantics of Go's golang.org/x/mod/sumdb/note (Open, Sign).
 *
 * A signed note is a text ending in a newline, a blank line, and one or more signature lines:
 *
 *     This is an example message.
 *
 *     — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=
 *
 * Each signature line is U+2014 (em dash), a space, the key name, a space, and the canonical
 * standard base64 of the 4-byte big-endian key ID followed by the signature bytes (at least one),
 * then "\n". The text — including its final newline, not the blank line — is what is signed; it is
 * separated from the signatures by the LAST "\n\n" in the note, so the text may contain blank lines.
 *
 * Rules and limits enforced by {@link parseNote}:
 * - valid UTF-8 (a leading BOM is kept as text), no ASCII control characters other than "\n";
 * - at most {@link MAX_NOTE_BYTES} (1 MiB) in total: TOO_LARGE above;
 * - at most {@link MAX_NOTE_SIGNATURES} (100) signature lines, counting duplicates: TOO_LARGE above
 *   (the spec requires accepting at least 16);
 * - key names valid as in keys.ts; base64 canonical (stricter than Go, which accepts non-zero
 *   trailing bits).
 *
 * {@link openNote} then follows note.Open: a signature whose (name, key ID) matches no verifier is
 * kept aside as unverified (identical lines once); a second signature by the same known key is
 * dropped unexamined; a signature by a known key that does not verify is INVALID_SIGNATURE for the
 * whole note; a note with no verified signature is UNVERIFIED; two verifiers sharing both name and
 * key ID are a configuration error (MALFORMED), since the note cannot say which one signed.
 */
import { StamplogError, malformed } from '../base/index.ts';
import { base64Decode, base64Encode, findControl, readUint32BE, textAndBytes, utf8Encode, writeUint32BE } from './encoding.ts';
import { formatKeyId, isValidKeyName } from './keys.ts';
import type { NoteSigner, NoteVerifier } from './keys.ts';

/** Largest signed note accepted, in bytes. */
export const MAX_NOTE_BYTES = 1 << 20;
/** Most signature lines accepted in one note (Go's note.Open uses the same bound). */
export const MAX_NOTE_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';

/** One signature line of a note. `signature` excludes the 4-byte key ID. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

/** A note split into its text and signature lines, nothing verified. */
export interface ParsedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A signature that a known verifier accepted. */
export interface VerifiedSignature extends NoteSignature {
  readonly verifier: NoteVerifier;
}

/** The outcome of {@link openNote}. */
export interface OpenedNote {
  /** The note text, final newline included. */
  readonly text: string;
  /** The note text as the UTF-8 bytes that were verified. */
  readonly textBytes: Uint8Array;
  readonly verified: readonly VerifiedSignature[];
  /** Signatures by keys the caller did not supply, identical lines once. */
  readonly unverified: readonly NoteSignature[];
}

/** Throws MALFORMED unless `text` could be the text of a signed note (ends in "\n", no control characters). */
export function checkNoteText(text: string, what = 'note text'): void {
  if (typeof text !== 'string') throw malformed(`${what}: not a string`);
  if (!text.endsWith('\n')) throw malformed(`${what}: does not end in a newline`);
  if (findControl(text, '\n') >= 0) throw malformed(`${what}: contains a control character`);
}

function parseSignatureLine(line: string, n: number): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw malformed(`note: signature line ${n} does not start with "\u2014 "`);
  const rest = line.slice(SIG_PREFIX.length);
  const sp = rest.indexOf(' ');
  if (sp < 0) throw malformed(`note: signature line ${n} has no space after the key name`);
  const name = rest.slice(0, sp);
  const b64 = rest.slice(sp + 1);
  if (!isValidKeyName(name)) throw malformed(`note: signature line ${n} has an invalid key name`);
  const raw = base64Decode(b64, `note: signature line ${n}`);
  // A key ID and at least one signature byte, as Go's note.Open requires.
  if (raw.length < 5) throw malformed(`note: signature line ${n} is too short`);
  return { name, keyId: readUint32BE(raw, 0), signature: raw.slice(4) };
}

function split(note: string | Uint8Array): { parsed: ParsedNote; textBytes: Uint8Array } {
  const { text: s } = textAndBytes(note, MAX_NOTE_BYTES, 'note');
  // signed-note §Format: no ASCII control characters other than newline.
  if (findControl(s, '\n') >= 0) throw malformed('note: contains a control character other than newline');
  // signed-note §Format: the text is separated from the signatures by the last empty line.
  const at = s.lastIndexOf('\n\n');
  if (at < 0) throw malformed('note: no blank line before the signatures');
  const text = s.slice(0, at + 1);
  const block = s.slice(at + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('note: signature block missing or not newline-terminated');
  let count = 0;
  for (let i = block.indexOf('\n'); i >= 0; i = block.indexOf('\n', i + 1)) {
    if (++count > MAX_NOTE_SIGNATURES) {
      throw new StamplogError('TOO_LARGE', `note: more than ${MAX_NOTE_SIGNATURES} signature lines`, {
        details: { max: MAX_NOTE_SIGNATURES },
      });
    }
  }
  const lines = block.slice(0, -1).split('\n');
  const signatures = lines.map((line, i) => parseSignatureLine(line, i + 1));
  return { parsed: { text, signatures }, textBytes: utf8Encode(text) };
}

/** The text and signature lines of the signed note `note` (UTF-8 bytes or a string), verifying nothing. */
export function parseNote(note: string | Uint8Array): ParsedNote {
  return split(note).parsed;
}

function lookupKey(name: string, keyId: number): string {
  // '+' cannot occur in a valid key name, so this key is unambiguous.
  return `${formatKeyId(keyId)}+${name}`;
}

/**
 * The text of the signed note `note` with its signatures checked against `verifiers`: throws
 * MALFORMED/TOO_LARGE if it does not parse, INVALID_SIGNATURE if a signature by one of `verifiers`
 * fails, UNVERIFIED if none of `verifiers` signed it; unknown signatures are returned aside.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { parsed, textBytes } = split(note);
  const known = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const k = lookupKey(v.name, v.keyId);
    const list = known.get(k);
    if (list === undefined) known.set(k, [v]);
    else list.push(v);
  }
  const verified: VerifiedSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenKnown = new Set<string>();
  const seenUnknown = new Set<string>();
  for (const sig of parsed.signatures) {
    const k = lookupKey(sig.name, sig.keyId);
    const candidates = known.get(k);
    if (candidates === undefined) {
      // signed-note §Signatures: verifiers MUST ignore signatures from unknown keys.
      const line = `${k} ${base64Encode(sig.signature)}`;
      if (!seenUnknown.has(line)) {
        seenUnknown.add(line);
        unverified.push(sig);
      }
      continue;
    }
    if (candidates.length > 1) {
      throw malformed(`note: ambiguous verifiers: ${candidates.length} keys named ${sig.name} with key ID ${formatKeyId(sig.keyId)}`);
    }
    // Like note.Open, only the first signature by a known key counts; repeats are dropped.
    if (seenKnown.has(k)) continue;
    seenKnown.add(k);
    const v = candidates[0];
    let ok: boolean;
    try {
      ok = v.verify(textBytes, sig.signature) === true;
    } catch {
      // A verifier must not throw; a third-party one that does is treated as rejecting.
      ok = false;
    }
    if (!ok) {
      // signed-note §Signatures: if the name and ID match a known key, verifiers MUST verify it;
      // a failure rejects the whole note (our choice of the spec's "MAY/SHOULD reject").
      throw new StamplogError('INVALID_SIGNATURE', `note: invalid signature by ${sig.name}+${formatKeyId(sig.keyId)}`, {
        details: { name: sig.name, keyId: sig.keyId },
      });
    }
    verified.push({ ...sig, verifier: v });
  }
  if (verified.length === 0) {
    // signed-note §Signatures: if no signature from a known key verifies, clients MUST reject the note.
    throw new StamplogError('UNVERIFIED', 'note: no signature by a known key', {
      details: { unverified: unverified.map((u) => `${u.name}+${formatKeyId(u.keyId)}`) },
    });
  }
  return { text: parsed.text, textBytes, verified, unverified };
}

/** The signature line (with its final "\n") that carries `sig`. */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw malformed('note: invalid key name in signature');
  if (!(sig.signature instanceof Uint8Array) || sig.signature.length < 1) throw malformed('note: empty signature');
  const raw = new Uint8Array(4 + sig.signature.length);
  writeUint32BE(raw, 0, sig.keyId >>> 0);
  raw.set(sig.signature, 4);
  return `${SIG_PREFIX}${sig.name} ${base64Encode(raw)}\n`;
}

/**
 * The signed note made of `text` and the signature lines `signatures` in order; throws MALFORMED if
 * the result would not parse, TOO_LARGE beyond the limits.
 */
export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  checkNoteText(text);
  if (signatures.length === 0) throw malformed('note: at least one signature is required');
  if (signatures.length > MAX_NOTE_SIGNATURES) {
    throw new StamplogError('TOO_LARGE', `note: more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  let out = text + '\n';
  for (const s of signatures) out += formatSignatureLine(s);
  textAndBytes(out, MAX_NOTE_BYTES, 'note');
  return out;
}

/**
 * The note `text` signed by each of `signers`, after the already present signatures `existing`
 * minus those by a signer's own key (name and key ID), as Go's note.Sign orders them.
 */
export function signNote(text: string, signers: readonly NoteSigner[], existing: readonly NoteSignature[] = []): string {
  checkNoteText(text);
  const msg = textAndBytes(text, MAX_NOTE_BYTES, 'note text').bytes;
  const replaced = new Set(signers.map((s) => lookupKey(s.name, s.keyId)));
  const fresh: NoteSignature[] = signers.map((s) => {
    if (!isValidKeyName(s.name)) throw malformed('note: signer has an invalid key name');
    const signature = s.sign(msg);
    return { name: s.name, keyId: s.keyId >>> 0, signature };
  });
  const kept = existing.filter((e) => !replaced.has(lookupKey(e.name, e.keyId)));
  return formatNote(text, [...kept, ...fresh]);
}


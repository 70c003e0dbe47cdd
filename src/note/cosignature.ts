/**
 * Ed25519 witness cosignatures, per C2SP tlog-cosignature v1 (https://c2sp.org/tlog-cosignature,
 * §Format, §Ed25519 signed message): note signatures of type 0x04 on a checkpoint.
 *
 * Key ID and verifier key (§Format): the key ID is SHA-256(name || "\n" || 0x04 || 32-byte public
 * key)[:4], and the vkey is the usual `name+<hex ID>+base64(0x04 || public key)`, e.g. the public
 * witness `remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2`. Signer keys are
 * `PRIVATE+KEY+name+<hex ID>+base64(0x04 || seed)`. Only 0x04 keys are accepted here: an 0x01 key
 * has another key ID, and silently converting one would hide a configuration mistake.
 *
 * Signature bytes after the key ID (§Format, timestamped_signature): a big-endian u64 POSIX
 * timestamp then the 64-byte Ed25519 signature (72 bytes), over the message (§Ed25519 signed message)
 *
 *     cosignature/v1
 *     time <timestamp as a canonical decimal>
 *     <the whole checkpoint note text, extension lines included>
 *
 * Timestamps above 2^53 − 1 (not exactly representable here; 285 million years ahead) make a
 * cosignature invalid, which the spec allows ("verifiers MAY reject cosignatures with timestamps in
 * the future"). Signers and verifiers insist that the text is a checkpoint (checkpoint.ts): a v1
 * cosignature is a statement about a tree head and means nothing on any other text.
 */
import { StamplogError, malformed } from '../base/index.ts';
import { ed25519Sign, ed25519Verify } from '../crypto/index.ts';
import { concatBytes, isUint53, isWellFormed, readUint32BE, utf8Decode, utf8Encode, writeUint32BE } from './encoding.ts';
import { SIGNATURE_TYPE_COSIGNATURE_V1, generateSignerKey, parseSignerKey, parseVerifierKey, requireKeyType } from './keys.ts';
import type { NoteSigner, NoteVerifier, SignerKey, VerifierKey } from './keys.ts';
import { parseCheckpoint } from './checkpoint.ts';
import type { NoteSignature } from './note.ts';

/** Length of a cosignature/v1 signature after the key ID: u64 timestamp and 64-byte Ed25519 signature. */
export const COSIGNATURE_V1_LENGTH = 8 + 64;

/** A cosignature/v1 verifier, which can also tell the time a valid cosignature asserts. */
export interface CosignatureVerifier extends NoteVerifier {
  readonly publicKey: Uint8Array;
  /** The timestamp of `sig` if it is a valid cosignature of the checkpoint text `msg`, else undefined. */
  timestamp(msg: Uint8Array, sig: Uint8Array): number | undefined;
}

/** The bytes a cosigner signs for the checkpoint note text `text` at POSIX time `timestamp` (seconds). */
export function cosignatureMessage(text: string | Uint8Array, timestamp: number): Uint8Array {
  if (!isUint53(timestamp)) throw malformed('cosignature: timestamp is not an integer in [0, 2^53 - 1]');
  const body = typeof text === 'string' ? utf8Encode(text) : text;
  // tlog-cosignature §Ed25519 signed message: header line, timestamp line, then the note text.
  return concatBytes(utf8Encode(`cosignature/v1\ntime ${String(timestamp)}\n`), body);
}

/**
 * The timestamp carried by the cosignature/v1 signature bytes `sig` (after the key ID); throws
 * MALFORMED unless `sig` is 72 bytes with a timestamp ≤ 2^53 − 1. It verifies nothing.
 */
export function cosignatureTimestamp(sig: Uint8Array): number {
  if (!(sig instanceof Uint8Array) || sig.length !== COSIGNATURE_V1_LENGTH) {
    throw malformed(`cosignature: expected ${COSIGNATURE_V1_LENGTH} signature bytes`);
  }
  const t = readTimestamp(sig);
  if (t === undefined) throw malformed('cosignature: timestamp beyond 2^53 - 1');
  return t;
}

function readTimestamp(sig: Uint8Array): number | undefined {
  const hi = readUint32BE(sig, 0);
  if (hi > 0x1fffff) return undefined;
  return hi * 2 ** 32 + readUint32BE(sig, 4);
}

function isCheckpointText(msg: Uint8Array): boolean {
  try {
    parseCheckpoint(utf8Decode(msg));
    return true;
  } catch {
    return false;
  }
}

/** A verifier of cosignature/v1 signatures by the type-0x04 verifier key `key`. */
export function cosignatureVerifier(key: VerifierKey | string): CosignatureVerifier {
  const k = typeof key === 'string' ? parseVerifierKey(key) : key;
  requireKeyType(k, SIGNATURE_TYPE_COSIGNATURE_V1, 'cosigner verifier key');
  const publicKey = k.publicKey.slice();
  const timestamp = (msg: Uint8Array, sig: Uint8Array): number | undefined => {
    if (sig.length !== COSIGNATURE_V1_LENGTH) return undefined;
    const t = readTimestamp(sig);
    if (t === undefined || !isCheckpointText(msg)) return undefined;
    return ed25519Verify(publicKey, cosignatureMessage(msg, t), sig.subarray(8)) ? t : undefined;
  };
  return {
    name: k.name,
    keyId: k.keyId,
    type: SIGNATURE_TYPE_COSIGNATURE_V1,
    publicKey,
    timestamp,
    verify: (msg, sig) => timestamp(msg, sig) !== undefined,
  };
}

function signWith(seed: Uint8Array, msg: Uint8Array, timestamp: number): Uint8Array {
  let text: string;
  try {
    text = utf8Decode(msg, 'cosignature: note text');
    parseCheckpoint(text);
  } catch (cause) {
    throw new StamplogError('MALFORMED', 'cosignature: refusing to cosign a text that is not a checkpoint', { cause });
  }
  const out = new Uint8Array(COSIGNATURE_V1_LENGTH);
  // timestamped_signature: u64 big-endian timestamp || Ed25519 signature.
  writeUint32BE(out, 0, Math.floor(timestamp / 2 ** 32));
  writeUint32BE(out, 4, timestamp % 2 ** 32);
  out.set(ed25519Sign(seed, cosignatureMessage(msg, timestamp)), 8);
  return out;
}

function asCosignerKey(key: SignerKey | string): SignerKey {
  const k = typeof key === 'string' ? parseSignerKey(key) : key;
  requireKeyType(k, SIGNATURE_TYPE_COSIGNATURE_V1, 'cosigner signer key');
  return k;
}

/**
 * A note signer that cosigns checkpoints with the type-0x04 signer key `key`, stamping each
 * cosignature with `nowSeconds()` (POSIX seconds; the caller owns the clock).
 */
export function cosignatureSigner(key: SignerKey | string, nowSeconds: () => number): NoteSigner & { readonly publicKey: Uint8Array } {
  const k = asCosignerKey(key);
  const seed = k.privateKey.slice();
  return {
    name: k.name,
    keyId: k.keyId,
    publicKey: k.publicKey.slice(),
    sign: (msg) => {
      const t = nowSeconds();
      if (!isUint53(t)) throw malformed('cosignature: clock returned a timestamp that is not an integer in [0, 2^53 - 1]');
      return signWith(seed, msg, t);
    },
  };
}

/**
 * The cosignature by the type-0x04 signer key `key` on the checkpoint note text `text` at POSIX time
 * `timestamp`, ready for formatSignatureLine.
 */
export function signCosignature(key: SignerKey | string, text: string, timestamp: number): NoteSignature {
  const k = asCosignerKey(key);
  if (!isUint53(timestamp)) throw malformed('cosignature: timestamp is not an integer in [0, 2^53 - 1]');
  if (typeof text !== 'string' || !isWellFormed(text)) throw malformed('cosignature: text is not a well-formed string');
  return { name: k.name, keyId: k.keyId, signature: signWith(k.privateKey, utf8Encode(text), timestamp) };
}

/** The signer and verifier key strings of a cosigner named `name` with the 32-byte Ed25519 seed `seed`. */
export function generateCosignerKey(name: string, seed: Uint8Array): { signerKey: string; verifierKey: string } {
  return generateSignerKey(name, seed, SIGNATURE_TYPE_COSIGNATURE_V1);
}

/**
 * Note keys: key names, key IDs, verifier and signer key strings, and the pluggable signer and
 * verifier interfaces, per C2SP signed-note (https://c2sp.org/signed-note, §Format, §Signatures)
 * and Go's golang.org/x/mod/sumdb/note.
 *
 * Key ID (signed-note §Signatures):
 *
 *     key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], read big-endian
 *
 * Verifier key ("vkey") and signer key ("skey") strings, the hex being the 8 lowercase digits of the
 * key ID and the base64 standard and padded:
 *
 *     <name>+<hex key ID>+base64(<type byte> || <public key>)
 *     PRIVATE+KEY+<name>+<hex key ID>+base64(<type byte> || <private key>)
 *
 * for example (the signed-note spec's key):
 *
 *     example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k
 *
 * Key names are non-empty, well-formed Unicode with no '+', no Unicode white space (exactly Go's
 * unicode.IsSpace set) and — stricter than Go, as our design asks — no control characters (Cc).
 * Parsing is strict: the key ID must be exactly 8 lowercase hex digits and equal the ID computed
 * from the key, the base64 must be canonical, and each type has an exact key length:
 *
 *     type 0x01  Ed25519 (signed-note)                public key 32 bytes, private key 32-byte seed
 *     type 0x04  Ed25519 cosignature/v1 (tlog-cosignature)   32 bytes, 32-byte seed
 *     type 0x06  ML-DSA-44 cosignature (tlog-cosignature)    1312 bytes; parsed, not yet implemented
 *
 * Key strings (and key names) are capped at 8 KiB. The format grows by assigning new type bytes: add the length
 * here and a verifier factory in verifiers.ts; nothing else changes.
 */
import { StamplogError, malformed } from '../base/index.ts';
import { sha256, ed25519PublicKey, ed25519Sign, ed25519Verify } from '../crypto/index.ts';
import { base64Decode, base64Encode, concatBytes, isWellFormed, readUint32BE, utf8Encode } from './encoding.ts';

/** Signature type 0x01: Ed25519 over the note text (signed-note §Ed25519 signatures). */
export const SIGNATURE_TYPE_ED25519 = 0x01;
/** Signature type 0x04: timestamped Ed25519 witness cosignatures (tlog-cosignature). */
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;
/** Signature type 0x06: ML-DSA-44 cosignatures (tlog-cosignature); keys parse, signing is not implemented. */
export const SIGNATURE_TYPE_ML_DSA_44 = 0x06;

/** Longest verifier or signer key string accepted (room for an ML-DSA-44 verifier key: 1,312 bytes in base64). */
export const MAX_KEY_STRING_LENGTH = 8192;

const PUBLIC_KEY_LENGTH: ReadonlyMap<number, number> = new Map([
  [SIGNATURE_TYPE_ED25519, 32],
  [SIGNATURE_TYPE_COSIGNATURE_V1, 32],
  [SIGNATURE_TYPE_ML_DSA_44, 1312],
]);

// Types whose private key is an Ed25519 seed, and whose public key is therefore derivable here.
const ED25519_BASED: ReadonlySet<number> = new Set([SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1]);

/**
 * Verifies signatures by one key. `verify` reports whether `sig` (the signature bytes after the
 * 4-byte key ID) is a valid signature of the note text `msg`; it must never throw.
 */
export interface NoteVerifier {
  readonly name: string;
  /** The uint32 key ID. */
  readonly keyId: number;
  /** The signature type byte (0x01, 0x04, …). */
  readonly type: number;
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** Signs note texts with one key. `sign` returns the signature bytes that follow the 4-byte key ID. */
export interface NoteSigner {
  readonly name: string;
  /** The uint32 key ID. */
  readonly keyId: number;
  sign(msg: Uint8Array): Uint8Array;
}

/** A parsed verifier key string. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/** A parsed signer key string. `privateKey` is secret: never log it. */
export interface SignerKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

const WHITE_SPACE = /\p{White_Space}/u;
const CONTROL = /\p{Cc}/u;

/**
 * True iff `name` is a valid key name: non-empty, well-formed, without '+', Unicode white space or
 * control characters (signed-note §Format: "MUST be non-empty and MUST NOT contain any Unicode
 * spaces or plus (U+002B) characters").
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_KEY_STRING_LENGTH &&
    !name.includes('+') &&
    !WHITE_SPACE.test(name) &&
    !CONTROL.test(name) &&
    isWellFormed(name)
  );
}

/** The key ID of the key `publicKey` of signature type `type` named `name` (signed-note §Signatures). */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  // signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
  const digest = sha256(concatBytes(utf8Encode(name), Uint8Array.of(0x0a, type), publicKey));
  return readUint32BE(digest, 0);
}

/** The 8 lowercase hex digits of the key ID `keyId`. */
export function formatKeyId(keyId: number): string {
  return (keyId >>> 0).toString(16).padStart(8, '0');
}

const HEX8 = /^[0-9a-f]{8}$/;

function typeName(type: number): string {
  return `0x${type.toString(16).padStart(2, '0')}`;
}

// Splits "<name>+<hex>+<base64>" (the base64 may itself contain '+') and checks everything but the ID.
function splitKey(s: string, what: string): { name: string; keyId: number; type: number; key: Uint8Array } {
  const i = s.indexOf('+');
  const j = i < 0 ? -1 : s.indexOf('+', i + 1);
  if (i < 0 || j < 0) throw malformed(`${what}: expected <name>+<key ID>+<key>`);
  const name = s.slice(0, i);
  const hex = s.slice(i + 1, j);
  if (!isValidKeyName(name)) throw malformed(`${what}: invalid key name`);
  if (!HEX8.test(hex)) throw malformed(`${what}: key ID is not 8 lowercase hex digits`);
  const raw = base64Decode(s.slice(j + 1), what);
  if (raw.length < 1) throw malformed(`${what}: empty key`);
  return { name, keyId: parseInt(hex, 16), type: raw[0], key: raw.subarray(1) };
}

function checkInput(s: unknown, what: string): asserts s is string {
  if (typeof s !== 'string') throw malformed(`${what}: not a string`);
  if (s.length > MAX_KEY_STRING_LENGTH) throw malformed(`${what}: longer than ${MAX_KEY_STRING_LENGTH} characters`);
}

/**
 * The verifier key that `vkey` encodes; throws MALFORMED unless it is a well-formed key of a known
 * type with the exact key length and the key ID computed from name, type and key.
 */
export function parseVerifierKey(vkey: string): VerifierKey {
  checkInput(vkey, 'verifier key');
  const { name, keyId, type, key } = splitKey(vkey, 'verifier key');
  const want = PUBLIC_KEY_LENGTH.get(type);
  if (want === undefined) throw malformed(`verifier key: unsupported signature type ${typeName(type)}`);
  if (key.length !== want) throw malformed(`verifier key: type ${typeName(type)} needs a ${want}-byte key, got ${key.length}`);
  const publicKey = key.slice();
  if (computeKeyId(name, type, publicKey) !== keyId) throw malformed('verifier key: key ID does not match the key');
  return { name, keyId, type, publicKey };
}

/** The verifier key string for the public key `publicKey` of type `type` named `name`. */
export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw malformed('verifier key: invalid key name');
  const want = PUBLIC_KEY_LENGTH.get(type);
  if (want === undefined || publicKey.length !== want) throw malformed(`verifier key: bad key for type ${typeName(type)}`);
  const id = computeKeyId(name, type, publicKey);
  return `${name}+${formatKeyId(id)}+${base64Encode(concatBytes(Uint8Array.of(type), publicKey))}`;
}

const PRIVATE_PREFIX = 'PRIVATE+KEY+';

/**
 * The signer key that `skey` encodes; throws MALFORMED unless it is `PRIVATE+KEY+` and a well-formed
 * key of an Ed25519-based type whose key ID matches the derived public key.
 */
export function parseSignerKey(skey: string): SignerKey {
  checkInput(skey, 'signer key');
  if (!skey.startsWith(PRIVATE_PREFIX)) throw malformed('signer key: missing PRIVATE+KEY+ prefix');
  const { name, keyId, type, key } = splitKey(skey.slice(PRIVATE_PREFIX.length), 'signer key');
  if (!ED25519_BASED.has(type)) throw malformed(`signer key: unsupported signature type ${typeName(type)}`);
  if (key.length !== 32) throw malformed(`signer key: type ${typeName(type)} needs a 32-byte seed, got ${key.length}`);
  const privateKey = key.slice();
  const publicKey = ed25519PublicKey(privateKey);
  // The ID names the public key, so it can only be checked after deriving it (as Go's NewSigner does).
  if (computeKeyId(name, type, publicKey) !== keyId) throw malformed('signer key: key ID does not match the key');
  return { name, keyId, type, privateKey, publicKey };
}

/** The signer key string for the 32-byte Ed25519 seed `seed` of type `type` named `name`. */
export function formatSignerKey(name: string, type: number, seed: Uint8Array): string {
  if (!isValidKeyName(name)) throw malformed('signer key: invalid key name');
  if (!ED25519_BASED.has(type) || !(seed instanceof Uint8Array) || seed.length !== 32) {
    throw malformed(`signer key: type ${typeName(type)} needs a 32-byte seed`);
  }
  const id = computeKeyId(name, type, ed25519PublicKey(seed));
  return `${PRIVATE_PREFIX}${name}+${formatKeyId(id)}+${base64Encode(concatBytes(Uint8Array.of(type), seed))}`;
}

/**
 * The signer and verifier key strings named `name` for the 32-byte Ed25519 seed `seed` (which the
 * caller draws from a CSPRNG), of signature type `type` (0x01 for notes, 0x04 for cosigners).
 */
export function generateSignerKey(
  name: string,
  seed: Uint8Array,
  type: number = SIGNATURE_TYPE_ED25519,
): { signerKey: string; verifierKey: string } {
  const signerKey = formatSignerKey(name, type, seed);
  return { signerKey, verifierKey: formatVerifierKey(name, type, ed25519PublicKey(seed)) };
}

function asVerifierKey(key: VerifierKey | string): VerifierKey {
  return typeof key === 'string' ? parseVerifierKey(key) : key;
}

function asSignerKey(key: SignerKey | string): SignerKey {
  return typeof key === 'string' ? parseSignerKey(key) : key;
}

/** `key` itself if its signature type is Ed25519 (0x01); else MALFORMED naming it as the `what` key. */
function ed25519Typed<K extends { name: string; type: number }>(key: K, what: 'verifier' | 'signer'): K {
  if (key.type !== SIGNATURE_TYPE_ED25519) throw malformed(`${what} key ${key.name}: type ${typeName(key.type)} is not Ed25519 (0x01)`);
  return key;
}

/** A verifier of plain Ed25519 note signatures (type 0x01) by the verifier key `key`. */
export function ed25519NoteVerifier(key: VerifierKey | string): NoteVerifier {
  const k = ed25519Typed(asVerifierKey(key), 'verifier');
  const publicKey = k.publicKey.slice();
  return {
    name: k.name,
    keyId: k.keyId,
    type: SIGNATURE_TYPE_ED25519,
    // signed-note §Ed25519 signatures: RFC 8032 Ed25519 over the note text, 64 bytes.
    verify: (msg, sig) => sig.length === 64 && ed25519Verify(publicKey, msg, sig),
  };
}

/** A signer of plain Ed25519 note signatures (type 0x01) with the signer key `key`. */
export function ed25519NoteSigner(key: SignerKey | string): NoteSigner {
  const k = ed25519Typed(asSignerKey(key), 'signer');
  const seed = k.privateKey.slice();
  return { name: k.name, keyId: k.keyId, sign: (msg) => ed25519Sign(seed, msg) };
}

/** Throws MALFORMED unless `key` has signature type `type` (for factories of other modules). */
export function requireKeyType(key: { name: string; type: number }, type: number, what: string): void {
  if (key.type !== type) throw new StamplogError('MALFORMED', `${what} ${key.name}: type ${typeName(key.type)}, expected ${typeName(type)}`);
}

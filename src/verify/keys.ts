/**
 * Keys of the people and services around a log, all Ed25519 in the C2SP signed-note key string formats
 * (src/note/keys.ts):
 *
 *     role        signature type                     used for
 *     publisher   0x01 (Ed25519)                     signing statements (DESIGN §3) of artifacts and `signature` entries
 *     vetter      0x01 (Ed25519)                     signing statements of `vetting` entries
 *     log         0x01 (Ed25519)                     signing checkpoints (the server's `log.key`; name = origin)
 *     witness     0x04 (cosignature/v1)              cosigning checkpoints (C2SP tlog-cosignature)
 *
 *     signer key    PRIVATE+KEY+<name>+<8 hex key ID>+base64(type || 32-byte seed)     (secret, file mode 0600)
 *     verifier key  <name>+<8 hex key ID>+base64(type || 32-byte public key)           (public)
 *
 * A statement signature carries only the raw 32-byte public key (the entry's `sig.key`), so a pinned
 * publisher or vetter key may be given either as a verifier key string or as that key in standard base64.
 * Pure: the caller draws seeds from a CSPRNG and reads key files (files.ts).
 */
import { StamplogError, fromBase64 } from '../base/index.ts';
import {
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
} from '../note/index.ts';
import { checkEd25519PublicKey } from '../crypto/index.ts';

export type KeyRole = 'publisher' | 'vetter' | 'log' | 'witness';
export const KEY_ROLES: readonly KeyRole[] = ['publisher', 'vetter', 'log', 'witness'];

/** The signature type of a role's keys. */
export function keyTypeFor(role: KeyRole): number {
  return role === 'witness' ? SIGNATURE_TYPE_COSIGNATURE_V1 : SIGNATURE_TYPE_ED25519;
}

/** The key pair named `name` for `role` from the 32-byte `seed` (which the caller draws from a CSPRNG). */
export function generateKeyPair(role: KeyRole, name: string, seed: Uint8Array): { signerKey: string; verifierKey: string } {
  return generateSignerKey(name, seed, keyTypeFor(role));
}

/** A statement signing key read from a file. `seed` is secret. */
export interface StatementKey {
  name: string;
  seed: Uint8Array;
  publicKey: Uint8Array;
  verifierKey: string;
}

/**
 * The Ed25519 (type 0x01) statement signing key in the signer key string `text` (read from `path`, named in
 * errors); throws MALFORMED if it holds no such key (a witness key, for instance).
 */
export function parseStatementKey(text: string, path: string): StatementKey {
  let k;
  try {
    k = parseSignerKey(text);
  } catch (e) {
    throw new StamplogError('MALFORMED', `${path}: not a signer key (PRIVATE+KEY+…): ${(e as Error).message}`, { cause: e });
  }
  if (k.type !== SIGNATURE_TYPE_ED25519) {
    throw new StamplogError('MALFORMED', `${path}: key ${k.name} has signature type 0x0${k.type}; statements are signed with Ed25519 (0x01) keys`);
  }
  return { name: k.name, seed: k.privateKey, publicKey: k.publicKey, verifierKey: formatVerifierKey(k.name, k.type, k.publicKey) };
}

/** A publisher or vetter public key: the raw key and how to name it to a person. */
export interface PublicKey {
  key: Uint8Array;
  label: string;
}

/**
 * The Ed25519 public key spelled by `s`: a verifier key string of type 0x01 or the standard base64 of the
 * 32-byte key; throws MALFORMED otherwise (INVALID_SIGNATURE for a small-order or non-canonical key).
 */
export function parsePublicKey(s: string): PublicKey {
  const raw = fromBase64(s, 32);
  if (raw !== undefined) {
    checkEd25519PublicKey(raw);
    return { key: raw, label: s };
  }
  let vk;
  try {
    vk = parseVerifierKey(s);
  } catch (e) {
    throw new StamplogError('MALFORMED', `${JSON.stringify(s)} is neither a verifier key (name+id+key) nor a base64 Ed25519 key`, { cause: e });
  }
  if (vk.type !== SIGNATURE_TYPE_ED25519) throw new StamplogError('MALFORMED', `verifier key ${vk.name}: type 0x0${vk.type} is not Ed25519 (0x01)`);
  checkEd25519PublicKey(vk.publicKey);
  return { key: vk.publicKey, label: s };
}

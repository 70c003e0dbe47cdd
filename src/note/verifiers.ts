/**
 * Verifier keys to verifiers, by signature type: the one place that knows which types this build
 * implements. C2SP signed-note (https://c2sp.org/signed-note, §Signature types) assigns the type
 * bytes; keys.ts parses every key of a known length, and this table turns a parsed key into a
 * NoteVerifier:
 *
 *     0x01  Ed25519 note signatures          keys.ts ed25519NoteVerifier
 *     0x04  Ed25519 cosignature/v1           cosignature.ts cosignatureVerifier
 *     0x06  ML-DSA-44 cosignatures           not implemented yet: MALFORMED "unsupported"
 *
 * Adding a type (ML-DSA-44 when tlog-cosignature's new drafts are deployed) is one entry here plus
 * its module; callers that pass their own table can plug in a type without touching this file.
 */
import { malformed } from '../base/index.ts';
import { SIGNATURE_TYPE_COSIGNATURE_V1, SIGNATURE_TYPE_ED25519, ed25519NoteVerifier, parseVerifierKey } from './keys.ts';
import type { NoteVerifier, VerifierKey } from './keys.ts';
import { cosignatureVerifier } from './cosignature.ts';

/** Builds a verifier for a parsed key of one signature type. */
export type VerifierFactory = (key: VerifierKey) => NoteVerifier;

/** The signature types this build verifies. */
export const DEFAULT_VERIFIER_FACTORIES: ReadonlyMap<number, VerifierFactory> = new Map<number, VerifierFactory>([
  [SIGNATURE_TYPE_ED25519, ed25519NoteVerifier],
  [SIGNATURE_TYPE_COSIGNATURE_V1, cosignatureVerifier],
]);

/**
 * A verifier for the verifier key `vkey` (a string or parsed key) of whichever type `factories`
 * supports; throws MALFORMED for a malformed key or an unsupported type.
 */
export function noteVerifier(
  vkey: string | VerifierKey,
  factories: ReadonlyMap<number, VerifierFactory> = DEFAULT_VERIFIER_FACTORIES,
): NoteVerifier {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey;
  const make = factories.get(key.type);
  if (make === undefined) throw malformed(`verifier key ${key.name}: signature type 0x${key.type.toString(16).padStart(2, '0')} is not supported`);
  return make(key);
}

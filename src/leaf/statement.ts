/**
 * The signed statement of DESIGN §3: the plain text a publisher or vetter signs with Ed25519, one field
 * a line, every line (the last too) ending in "\n", UTF-8, so any Ed25519 tool can produce it:
 *
 *   stamplog/v1 <kind>\n
 *   <project>\n
 *   <version>\n
 *   <filename>\n
 *   <sha256 as 64 lowercase hex digits>\n
 *   <size in canonical decimal>\n
 *   <verdict>\n              (kind "vetting" only)
 *
 * e.g. "stamplog/v1 artifact\nrequests\n2.32.3\nrequests-2.32.3-py3-none-any.whl\n<64 hex>\n64928\n".
 * Text fields carry no control characters (schema.ts), so the lines cannot be confused. Claims and the
 * log's time are not signed: they are the submitter's and the log's assertions, not the signer's.
 * Signatures are verified with the project Ed25519 rule (src/crypto/ed25519.ts).
 */
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../crypto/index.ts';
import { toHex } from './codec.ts';
import { Problems, checkKindRules, checkSubject, isKind } from './schema.ts';
import type { PublisherSignature, Submission } from './types.ts';

/** The fields a statement covers. */
export type StatementFields = Pick<Submission, 'kind' | 'subject' | 'verdict'>;

/** The statement text for `s`; throws MALFORMED if `s` breaks the entry rules (text, kind, verdict). */
export function statementFor(s: StatementFields): string {
  const p = new Problems();
  if (!isKind(s.kind)) p.add('kind', 'expected "artifact", "signature" or "vetting"');
  else checkKindRules(p, s.kind, true, s.verdict);
  checkSubject(p, s.subject);
  p.throwIfAny('statement');
  const { project, version, filename, sha256, size } = s.subject;
  let text = `stamplog/v1 ${s.kind}\n${project}\n${version}\n${filename}\n${toHex(sha256)}\n${size}\n`;
  if (s.kind === 'vetting') text += `${s.verdict}\n`;
  return text;
}

/** The UTF-8 bytes of `statementFor(s)`. */
export function statementBytes(s: StatementFields): Uint8Array {
  return new TextEncoder().encode(statementFor(s));
}

/** The `sig` member of a submission: `s`'s statement signed with the Ed25519 key of the 32-byte `seed`. */
export function signStatement(seed: Uint8Array, s: StatementFields): PublisherSignature {
  const message = statementBytes(s);
  return { alg: 'ed25519', key: ed25519PublicKey(seed), sig: ed25519Sign(seed, message) };
}

/**
 * True iff `signature` is a valid Ed25519 signature by `publicKey` of `s`'s statement (project rule);
 * throws MALFORMED if `s` has no valid statement (as statementFor).
 */
export function verifyStatement(publicKey: Uint8Array, s: StatementFields, signature: Uint8Array): boolean {
  return ed25519Verify(publicKey, statementBytes(s), signature);
}

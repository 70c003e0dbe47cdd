/**
 * The entry (leaf) data model of DESIGN §3, as TypeScript types. The wire form of a leaf is the
 * deterministic CBOR map written by `encodeLeaf` (entry.ts); the JSON form is `EntryJSON`.
 *
 * Canonical-value rules the types cannot express, enforced by the parsers and the encoder:
 *   - `claims` is absent rather than empty; `claims.backfill` is absent rather than false;
 *   - `verdict` is present exactly for kind `vetting`; `sig` is required for `signature` and `vetting`;
 *   - text fields are non-empty, well-formed, free of control characters and within LIMITS (schema.ts).
 * New kinds (`key`, `timestamp`) and signature algorithms will extend the unions; a decoder of this
 * version rejects leaves it does not understand rather than guessing.
 */

/** What an entry asserts about its subject. */
export type EntryKind = 'artifact' | 'signature' | 'vetting';

/** The kinds this version understands, in a fixed order. */
export const ENTRY_KINDS: readonly EntryKind[] = Object.freeze(['artifact', 'signature', 'vetting']);

/** The file an entry is about. */
export interface Subject {
  readonly project: string;
  readonly version: string;
  readonly filename: string;
  /** SHA-256 of the file, 32 bytes. */
  readonly sha256: Uint8Array;
  /** File size in bytes, a safe non-negative integer. */
  readonly size: number;
}

/** What the submitter asserts (not verified by the log). */
export interface Claims {
  /** Upload time at the index, ms since the epoch (an RFC 3339 UTC string on the wire). */
  readonly uploadedAt?: number;
  /** Present (true) for history ingested after the fact; absence means false. */
  readonly backfill?: true;
}

/** A publisher's or vetter's signature over the statement of the entry (statement.ts). */
export interface PublisherSignature {
  readonly alg: 'ed25519';
  /** Ed25519 public key, 32 bytes. */
  readonly key: Uint8Array;
  /** Ed25519 signature, 64 bytes. */
  readonly sig: Uint8Array;
}

/** What a submitter sends: an entry without the log's `v` and `time`. */
export interface Submission {
  readonly kind: EntryKind;
  readonly subject: Subject;
  readonly claims?: Claims;
  readonly sig?: PublisherSignature;
  /** Vetting only: e.g. `reviewed`, `approved`, `rejected`. */
  readonly verdict?: string;
}

/** One leaf of the log. */
export interface Entry extends Submission {
  /** Leaf format version: 1. */
  readonly v: 1;
  /** The log's time of sequencing, ms since the epoch: the timestamp assertion. */
  readonly time: number;
}

/** The JSON (wire) form of a submission, DESIGN §4: hex digests, base64 keys and signatures, RFC 3339 times. */
export interface SubmissionJSON {
  kind: EntryKind;
  subject: { project: string; version: string; filename: string; sha256: string; size: number };
  claims?: { uploadedAt?: string; backfill?: boolean };
  sig?: { alg: 'ed25519'; key: string; sig: string };
  verdict?: string;
}

/** The JSON form of an entry: a SubmissionJSON plus `v` and `time` (ms since the epoch, a number). */
export interface EntryJSON extends SubmissionJSON {
  v: 1;
  time: number;
}

/**
 * stamplog's public verification library: everything a client, a monitor or a browser page needs to check
 * what a stamplog (or any C2SP tlog) serves, and nothing that touches storage, HTTP or the clock.
 * Every function throws only `StamplogError` on bad input, with a code saying what failed. It re-exports a
 * chosen part of the folders' public surfaces (their index.ts files); src/crypto has no index.ts yet, so
 * the Ed25519 rule comes from its file.
 */

// ── errors ──
/** The one error type; `code` says what failed (MALFORMED, UNVERIFIED, PROOF_MISMATCH, POLICY_UNSATISFIED, …). */
export { StamplogError, RootMismatchError, isStamplogError, type ErrorCode } from './base/index.ts';

// ── Merkle trees (RFC 6962 / RFC 9162) ──
/** leafHash(d) = SHA-256(0x00 || d); nodeHash(l, r) = SHA-256(0x01 || l || r); EMPTY_ROOT = SHA-256(""). */
export { leafHash, nodeHash, EMPTY_ROOT, type Hash } from './merkle/index.ts';
/**
 * rootFromInclusionProof returns the root that `proof` implies for a leaf at `index` in a tree of `size`;
 * verifyInclusion throws unless that root equals `root`. rootsFromConsistencyProof / verifyConsistency do the
 * same for a proof that the tree of size1 (root1) is a prefix of the tree of size2 (root2).
 */
export { rootFromInclusionProof, verifyInclusion, rootsFromConsistencyProof, verifyConsistency } from './merkle/index.ts';
/** The same for several leaves at once: the multi-leaf proof of a batch append's `?receipts=multiproof` answer. */
export { rootFromMultiInclusionProof, verifyMultiInclusion } from './merkle/index.ts';
/** An append-only in-memory tree: roots of any size, inclusion and consistency proofs. */
export { MemoryTree } from './merkle/index.ts';
/** C2SP tlog-tiles: strict tile path codec, tile contents, a HashReader over fetched tiles, entry bundles. */
export { parseTilePath, tilePath, entryBundlePath, tileData, tilesForSize, type Tile } from './merkle/index.ts';
export { tileHashReader, tileHashReaderAsync } from './merkle/index.ts';
export { decodeEntryBundle, encodeEntryBundle } from './merkle/index.ts';

// ── signed notes, checkpoints, cosignatures (C2SP) ──
/** openNote returns the note text and which of `verifiers` signed it; unknown signatures are kept aside, not fatal. */
export { openNote, parseNote, signNote, type OpenedNote } from './note/index.ts';
/** openCheckpoint verifies a checkpoint note against the log's verifier and parses it strictly. */
export { openCheckpoint, parseCheckpoint, formatCheckpoint, type Checkpoint } from './note/index.ts';
/** Verifier and signer key strings (`name+hex+base64`) and the note verifiers/signers built from them. */
export {
  parseVerifierKey,
  formatVerifierKey,
  generateSignerKey,
  ed25519NoteVerifier,
  ed25519NoteSigner,
  type NoteVerifier,
  type NoteSigner,
} from './note/index.ts';
/** cosignatureVerifier verifies C2SP tlog-cosignature/v1 signatures (type 0x04) and reads their timestamp. */
export { cosignatureVerifier, cosignatureTimestamp } from './note/index.ts';
/** parsePolicy reads a C2SP tlog-policy; quorumSatisfied / verifyCheckpointWithPolicy evaluate it. */
export { parsePolicy, quorumSatisfied, verifyCheckpointWithPolicy, type Policy } from './note/index.ts';
/** The C2SP tlog-proof text format (a receipt): strict parse and format. */
export { parseTlogProof, formatTlogProof, type TlogProof } from './note/index.ts';

// ── entries (DESIGN §3) and receipts ──
/** decodeLeaf accepts only canonical, schema-valid leaf bytes; encodeLeaf produces them. */
export { decodeLeaf, encodeLeaf, entryToJSON, parseSubmission, dedupKey } from './leaf/index.ts';
/** The statement text publishers and vetters sign, and its Ed25519 signing and verification. */
export { statementFor, signStatement, verifyStatement } from './leaf/index.ts';
export type { Entry, Submission, Subject, Claims, PublisherSignature, EntryJSON } from './leaf/index.ts';
/** verifyReceipt checks a tlog-proof receipt against a policy: signatures, quorum, inclusion, canonical leaf. */
export { verifyReceipt, receiptVerifier, type VerifiedReceipt } from './verify/index.ts';
/**
 * verifyArtifact checks a file's digest and size against its receipt and the requirements (publisher key pins,
 * k-of-n vetters, minimum age) offline; the parsers read those requirements from their command-line spelling.
 */
export { verifyArtifact, type ArtifactEvidence, type ArtifactVerification, type VerifyArtifactOptions } from './verify/index.ts';
export { parsePublisherPin, parseVetters, parseDuration, type ArtifactRequirements } from './verify/index.ts';
/** Ed25519 under the project's one strict verification rule (see src/crypto/ed25519.ts). */
export { ed25519Verify, checkEd25519PublicKey } from './crypto/index.ts';

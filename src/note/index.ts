/**
 * The public surface of src/note/: C2SP signed notes (signed-note), checkpoints (tlog-checkpoint),
 * Ed25519 cosignatures (tlog-cosignature v1), offline proofs (tlog-proof) and trust policies
 * (tlog-policy). Pure code: no storage, network, file system or clock. Import from here only.
 */
export {
  SIGNATURE_TYPE_ED25519,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ML_DSA_44,
  MAX_KEY_STRING_LENGTH,
  isValidKeyName,
  computeKeyId,
  formatKeyId,
  parseVerifierKey,
  formatVerifierKey,
  parseSignerKey,
  formatSignerKey,
  generateSignerKey,
  ed25519NoteVerifier,
  ed25519NoteSigner,
} from './keys.ts';
export type { NoteVerifier, NoteSigner, VerifierKey, SignerKey } from './keys.ts';

export { MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES, parseNote, openNote, signNote, formatNote, formatSignatureLine, checkNoteText } from './note.ts';
export type { NoteSignature, ParsedNote, VerifiedSignature, OpenedNote } from './note.ts';

export { parseCheckpoint, formatCheckpoint, signCheckpoint, openCheckpoint } from './checkpoint.ts';
export type { Checkpoint, CheckpointFields, OpenCheckpointOptions, OpenedCheckpoint } from './checkpoint.ts';

export {
  COSIGNATURE_V1_LENGTH,
  cosignatureMessage,
  cosignatureTimestamp,
  cosignatureVerifier,
  cosignatureSigner,
  signCosignature,
  generateCosignerKey,
} from './cosignature.ts';
export type { CosignatureVerifier } from './cosignature.ts';

export { DEFAULT_VERIFIER_FACTORIES, noteVerifier } from './verifiers.ts';
export type { VerifierFactory } from './verifiers.ts';

export {
  TLOG_PROOF_HEADER,
  MAX_TLOG_PROOF_HASHES,
  MAX_TLOG_PROOF_EXTRA_BYTES,
  MAX_TLOG_PROOF_BYTES,
  parseTlogProof,
  formatTlogProof,
  checkTlogProofNote,
} from './tlogproof.ts';
export type { TlogProof, ParsedTlogProof } from './tlogproof.ts';

export { MAX_POLICY_BYTES, MAX_POLICY_ENTRIES, QUORUM_NONE, parsePolicy, quorumSatisfied, verifyCheckpointWithPolicy } from './policy.ts';
export type { Policy, PolicyLog, PolicyWitness, PolicyGroup, WitnessCosignature, PolicyVerification, PolicyVerifyOptions } from './policy.ts';

export { base64Encode, base64Decode, parseDecimal } from './encoding.ts';

export {
  MAX_ADD_CHECKPOINT_BYTES,
  MAX_PROOF_LINES,
  TLOG_SIZE_CONTENT_TYPE,
  formatAddCheckpoint,
  formatTlogSize,
  isTlogSizeType,
  parseAddCheckpoint,
  parseTlogSize,
} from './witness.ts';
export type { AddCheckpointRequest } from './witness.ts';

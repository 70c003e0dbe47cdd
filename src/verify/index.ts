/**
 * The public surface of src/verify: offline verification of what a stamplog log issued — receipts (C2SP
 * tlog-proof) against a trust policy, and artifacts against their receipts and the requirements a user sets
 * (publisher key pins, k-of-n vetters, minimum age). Every failure is a StamplogError tagged with the check
 * that failed. Browser-safe: no `node:` import, no storage, HTTP or clock (the time is a parameter). Import
 * from here, not from the files behind it.
 *
 *   failure.ts       the failed check as data (FailedCheck), failure(), tagged()
 *   receipt.ts       verifyReceipt, receiptVerifier: signatures, quorum, inclusion, canonical leaf
 *   artifact.ts      verifyArtifact: digest and size, publisher pins, vetters, minimum age
 *   requirements.ts  the requirements and their command-line spellings
 *   keys.ts          key roles, statement keys and public keys in their text forms
 */
export { failedCheck, failure, tagged, taggedAsync } from './failure.ts';
export type { FailedCheck } from './failure.ts';
export { receiptVerifier, verifyReceipt } from './receipt.ts';
export type { VerifiedReceipt } from './receipt.ts';
export { receiptCheck, sameSubject, verifyArtifact } from './artifact.ts';
export type { ArtifactEvidence, ArtifactVerification, VerifyArtifactOptions } from './artifact.ts';
export { DEFAULT_VERDICTS, formatDuration, parseDuration, parsePublisherPin, parseVetters } from './requirements.ts';
export type { ArtifactRequirements, PublisherPin, VetterRequirement } from './requirements.ts';
export { KEY_ROLES, generateKeyPair, keyTypeFor, parsePublicKey, parseStatementKey } from './keys.ts';
export type { KeyRole, PublicKey, StatementKey } from './keys.ts';

/**
 * The public surface of src/leaf: the entry schema of DESIGN §3, its deterministic CBOR leaf encoding
 * (RFC 8949 §4.2.1), the submission wire JSON of DESIGN §4, and the signed statements of publishers and
 * vetters. Pure: no storage, HTTP, filesystem or clock. Import from here, not from the files behind it.
 *
 *   types.ts       Entry, Submission and their JSON shapes
 *   schema.ts      the rules beyond the shape (LIMITS, kinds, verdicts), collected as Problems
 *   names.ts       the intake rules for names, project and filename identity
 *   codec.ts       hex, base64 and RFC 3339 spellings of the wire JSON
 *   cbor.ts        deterministic CBOR: the value set, encodeCanonical, decodeCanonical
 *   cborwriter.ts  the item writer (shortest heads, UTF-8 text, key order)
 *   cborcheck.ts   the strict single-pass check of deterministic form
 *   reader.ts      reading an entry's members out of a JSON object or a CBOR map
 *   entry.ts       the leaf encoding and decoding, parseSubmission, signatures, the dedup identity
 *   entryjson.ts   the JSON form of submissions and entries
 *   statement.ts   the signed statement of a publisher or vetter
 */
export type { Claims, Entry, EntryJSON, EntryKind, PublisherSignature, Subject, Submission, SubmissionJSON } from './types.ts';
export { ENTRY_KINDS } from './types.ts';
export { LIMITS, VERDICT_PATTERN } from './schema.ts';
export { filenameKey, filenameProblem, invisibleCharacterProblem, projectKey, visibleName } from './names.ts';
export type { Problem } from './schema.ts';
export {
  decodeLeaf,
  dedupKey,
  encodeLeaf,
  makeEntry,
  parseSubmission,
  verifySubmissionSignature,
  publisherSignatureJob,
  badPublisherSignature,
} from './entry.ts';
export type { ParseSubmissionOptions, SignatureJob } from './entry.ts';
export { entryJSONText, entryToJSON, submissionToJSON } from './entryjson.ts';
export { signStatement, statementBytes, statementFor, verifyStatement } from './statement.ts';
export type { StatementFields } from './statement.ts';
export { CBOR_LIMITS, decodeCanonical, encodeCanonical } from './cbor.ts';
export type { CborMap, CborRecord, CborValue } from './cbor.ts';
export { formatRfc3339Utc, fromBase64, fromHex, parseRfc3339Utc, toBase64, toHex } from './codec.ts';
export { decodeLeafFast, decodeLeafStrict, factsOf, leafFactsAt } from './fastleaf.ts';
export type { LeafFacts } from './fastleaf.ts';

/**
 * The public surface of src/base: the small pieces every other folder uses — the one error type, byte
 * spellings, the canonical-decimal rule, ASCII JSON, Bloom filters, a size-capped fetch body reader. Pure:
 * no `node:` import, no storage, HTTP or clock (fetchbody.ts reads a Response it is handed). Import from
 * here, not from the files behind it.
 *
 *   errors.ts     StamplogError and its codes, RootMismatchError
 *   bytes.ts      hex and base64 (strict, canonical), concatenation, equality, hash lines
 *   decimal.ts    canonical decimals: the one rule for every size and index read from text
 *   json.ts       ASCII-only JSON strings, duplicate member detection
 *   bloom.ts      blocked Bloom filters over 32-bit keys, FNV-1a keys of text
 *   fetchbody.ts  a fetch() body read under a size cap
 */
export { RootMismatchError, StamplogError, isStamplogError, malformed } from './errors.ts';
export type { ErrorCode, StamplogErrorOptions } from './errors.ts';
export {
  bytesEqual,
  concatBytes,
  fromBase64,
  fromBase64Portable,
  fromHex,
  hashLinesBase64,
  toBase64,
  toBase64Portable,
  toHex,
  toHexPortable,
} from './bytes.ts';
export { CANONICAL_DECIMAL, canonicalDecimal, parseDecimal } from './decimal.ts';
export { asciiJSON, duplicateMemberName, jsonStringASCII } from './json.ts';
export { BloomFilter, FNV_OFFSET, FNV_PRIME, GrowingBloomFilter, fnv1a, textKey } from './bloom.ts';
export { readBodyCapped } from './fetchbody.ts';
export { sendProblemNode, toProblem } from './problem.ts';
export type { ProblemBody, ProblemResponse } from './problem.ts';

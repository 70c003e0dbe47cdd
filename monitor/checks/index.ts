/**
 * monitor/checks: what the monitor checks in each leaf of a log (checks.ts: strict decoding, substitution,
 * signer, backdating and watch-list checks) and the filename filter in front of its records (namefilter.ts).
 * This file is the folder's public surface.
 */
export {
  ContentChecker,
  decodeFilenameRecord,
  decodeStrict,
  decodeStrictAt,
  encodeFilenameRecord,
  parseWatchFile,
  type CheckLookup,
  type CheckOptions,
  type DecodedLeaf,
  type FilenameRecord,
  type ProjectRecord,
  type TimeState,
  type WitnessedHead,
} from './checks.ts';
export { FNV_OFFSET, FNV_PRIME, NameFilter, fnv1a, nameKey } from './namefilter.ts';

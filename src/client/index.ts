/**
 * src/client: talking to a log from outside it. This file is the module's public surface.
 *
 *   tiles.ts       TileClient: bounded C2SP tlog-tiles reader (checkpoint, hash tiles, entry bundles)
 *   fetch.ts       bounded requests over the global fetch (deadline, body cap)
 *   httpget.ts     the same bounds over node:http keep-alive GETs; capped node:http bodies
 *   http.ts        LogClient: the stamplog JSON API (appends, proofs, search)
 *   truststore.ts  pinned checkpoints (trust on first use, consistency)
 *   check.ts       checking an artifact against the log
 *   files.ts       file hashing and careful file writes
 */
export { TileClient } from './tiles.ts';
export { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, httpFailure, joinUrl, request, statusFailure, type FetchOptions, type HttpAnswer } from './fetch.ts';
export { getBuffer, readIncomingCapped } from './httpget.ts';
export {
  LogClient,
  MAX_SEARCH_PAGES,
  ServerError,
  multiproofAnswer,
  type LogClientOptions,
  type LogInfo,
  type MultiproofAnswer,
  type ReceiptJSON,
  type SearchHit,
  type SearchQuery,
} from './http.ts';
export { TrustStore, defaultTrustHome, type ConsistencyProver, type Observation, type ObserveOptions, type Pin } from './truststore.ts';
export { checkArtifact, judgeReport, leafOfHit, type CheckOptions, type CheckReport, type ProvenEntry } from './check.ts';
export { hashFile, readJSONIfExists, readSecretFile, readStatementKey, writeFileAtomic, writeNewFile, writeNewSecretFile } from './files.ts';

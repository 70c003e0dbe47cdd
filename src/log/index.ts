/**
 * src/log: the log itself — one sequencer turning submissions into leaves, the facade the HTTP layer and the
 * CLI ask (append, proofs, search, tiles), and everything that keeps it honest across crashes, faults, restores
 * and clocks. This file is the module's public surface; the other files are its implementation.
 *
 *   log.ts            TransparencyLog, the facade (append, reads, re-open after a storage fault)
 *   open.ts           opening a store: re-read, re-hash, check against the lock, sign what is unsigned
 *   config.ts         LogConfig, what a log is opened with
 *   sequencer.ts      the commit protocol, batch by batch (batch.ts: building a batch; logtime.ts: log time)
 *   tree.ts           the in-memory tree against the store's tiles (verify-before-sign)
 *   checkpointlock.ts the newest signed checkpoint, outside the data directory (rollback refusal)
 *   recovery.ts       probing storage after a fault and re-opening
 *   witnessing.ts     asking witnesses to cosign (C2SP tlog-witness, the log's side)
 *   keyfiles.ts       the log's key files
 *   leafindex.ts, dedupfilter.ts, searchrows.ts   derived indexes: leaf hash → index, dedup, search rows
 */
export { CheckpointLock } from './checkpointlock.ts';
export { loadOrCreateLogKeys, readLogKeys } from './keyfiles.ts';
export { TransparencyLog } from './log.ts';
export { StorageRecovery } from './recovery.ts';
export { checkWitnessPolicy } from './witnessing.ts';
export type { SearchField } from '../store/index.ts';

/**
 * src/store: the log's storage interface and its drivers, and the LevelDB opening every LevelDB of the
 * project shares. This file is the module's public surface; the other files are its implementation.
 *
 *   types.ts        LogStore, the storage contract
 *   memory.ts       MemoryStore (tests, failure injection)
 *   level.ts        LevelStore, the embedded default
 *   levelopen.ts    opening a LevelDB and checking its recovery (the log's store and the monitor's state)
 *   keys.ts         LevelStore's key layout
 *   durablefile.ts  durable file replacement; slotfile.ts  a crash-safe record file
 *   faults.ts       storage failures (STORAGE_FULL / STORAGE_FAILED)
 */
export type { CommitBatch, LogStore, SearchField, SearchRow, StoredState, TileWrite } from './types.ts';
export { MemoryStore, type MemoryStoreFaults } from './memory.ts';
export { CHECKPOINT_FILE, CORRUPTION_MARKER, LevelStore } from './level.ts';
export { levelErrorText, openLevel, readIfExists, type LevelOpenProblem } from './levelopen.ts';
export { replaceFileDurably } from './durablefile.ts';
export { MAX_RECORD_BYTES, SLOT_BYTES, SlotFile } from './slotfile.ts';
export { isStorageFailure, storageFailure } from './faults.ts';

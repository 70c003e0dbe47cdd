/**
 * Opening a LevelDB (`level`) database and checking what its recovery did, for every LevelDB of the project
 * (the log's store, level.ts, and the monitor's state): each keeps its own key layout and words its own
 * errors, but not its own opening code.
 *
 * Why the check: LevelDB (as classic-level configures it) verifies no checksums on reads and, when it replays
 * a write-ahead log with a corrupted record, silently drops the rest of that log block, including committed
 * batches. Its info log (`LOG`, rewritten by every open) says so; an open that reports a dropped or corrupted
 * record has lost data and must not be used.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Level } from 'level';

/** Lines of LevelDB's info log that report data dropped or found corrupted during recovery. */
const RECOVERY_CORRUPTION = /dropping \d+ bytes|ignoring error|corruption/i;

/** What was wrong with an open; undefined from openLevel when nothing was. */
export type LevelOpenProblem =
  /** Another process holds the database's LOCK. */
  | { kind: 'locked'; cause: unknown }
  /** The open failed: `corruption` when LevelDB said "Corruption: …" (damaged files), else an I/O or other failure. */
  | { kind: 'failed'; corruption: boolean; detail: string; cause: unknown }
  /** The open succeeded but its recovery reported `lines` dropped or corrupted records (`first`: the first message); the database was closed again. */
  | { kind: 'recovery'; lines: number; first: string };

/** The message of `e` and of its cause (classic-level puts LevelDB's own words in the cause). */
export function levelErrorText(e: unknown): string {
  return e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
}

/**
 * Opens `db` (whose files are in `location`) and reads the info log of that open. Resolves with undefined
 * when the database is open and sound, or with the problem (the database then is not open). Throws only if
 * the info log exists but cannot be read.
 */
export async function openLevel<K, V>(db: Level<K, V>, location: string): Promise<LevelOpenProblem | undefined> {
  try {
    await db.open();
  } catch (e) {
    if ((e as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') return { kind: 'locked', cause: e };
    const detail = levelErrorText(e);
    // LevelDB says "Corruption: …" for damaged files and "IO error: …" when the device refuses (full disk, EIO).
    return { kind: 'failed', corruption: /corruption/i.test(detail), detail, cause: e };
  }
  const info = (await readIfExists(join(location, 'LOG'))) ?? '';
  const bad = info.split('\n').filter((line) => RECOVERY_CORRUPTION.test(line));
  if (bad.length === 0) return undefined;
  await db.close();
  // Lines look like `2024/05/29-15:37:47.123456 7f00deadbeef <message>`: keep the message.
  return { kind: 'recovery', lines: bad.length, first: bad[0].replace(/^\S+ \S+ /, '').trim() };
}

/** The text of the file at `path`, or undefined if there is none. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

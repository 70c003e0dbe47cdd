/**
 * Storage failures as the log reports them. A failed write, fsync, rename or database write leaves the
 * durable state unknown, so the caller must stop writing (and never retry an fsync and believe it: after a
 * failed fsync the kernel may already have dropped the dirty pages, PostgreSQL's "fsyncgate"). This module only
 * names the condition:
 * - STORAGE_FULL for lack of space (ENOSPC, EDQUOT), which an operator fixes by freeing space;
 * - STORAGE_FAILED for everything else (EIO, EROFS, a LevelDB I/O error, …), which needs a look at the device.
 * LevelDB reports errno conditions as text (`IO error: …: No space left on device`), so both the `code` of a
 * Node error and the message of a LevelDB one are read.
 */
import { StamplogError } from '../base/index.ts';

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
// Node 20 has no name for EDQUOT (errno 122 on Linux): its message is "Unknown system error -122".
const FULL_TEXT = /no space left on device|disk quota exceeded|unknown system error -122\b/i;

/** The errno code of `e` or of one of its causes, if any. */
function errnoCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    const code = (c as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
    if ((c as NodeJS.ErrnoException).errno === -122) return 'EDQUOT';
  }
  return undefined;
}

/** All messages of `e` and its causes, for matching LevelDB's text. */
function messages(e: unknown): string {
  const out: string[] = [];
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    out.push(c instanceof Error ? c.message : String(c));
    if (!(c instanceof Error)) break;
  }
  return out.join(': ');
}

/**
 * `e`, a failure of `what` (e.g. "committing leaves 10…19"), as STORAGE_FULL or STORAGE_FAILED. StamplogErrors
 * pass through unchanged (a CONFLICT stays a CONFLICT).
 */
export function storageFailure(what: string, e: unknown): StamplogError {
  if (e instanceof StamplogError) return e;
  const code = errnoCode(e);
  const text = messages(e);
  const full = (code !== undefined && FULL_CODES.has(code)) || FULL_TEXT.test(text);
  return new StamplogError(full ? 'STORAGE_FULL' : 'STORAGE_FAILED', `${what} failed${code === undefined ? '' : ` (${code})`}: ${text}`, {
    cause: e,
    details: { retryAfterSeconds: 30, ...(code === undefined ? {} : { errno: code }) },
  });
}

/** True for the codes after which a store must be re-opened (and the log re-verified) before any write. */
export function isStorageFailure(e: unknown): boolean {
  return e instanceof StamplogError && (e.code === 'STORAGE_FULL' || e.code === 'STORAGE_FAILED');
}

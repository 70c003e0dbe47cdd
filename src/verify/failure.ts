/**
 * What a client-side check found wrong, as data. Every failure of the client library is a StamplogError
 * whose `details.check` names the check that failed, so that the CLI can map it to an exit status and a
 * person reads the most important word first:
 *
 *     file            the file's SHA-256 or size is not the logged entry's (a tampered or different file)
 *     proof           an inclusion proof, a leaf or a receipt does not verify (or is for another entry)
 *     log-signature   the checkpoint is not signed by a trusted log key (another log, wrong origin, bad signature)
 *     witness-quorum  the checkpoint's cosignatures fall short of the policy's witness quorum
 *     publisher-key   no valid publisher signature by a pinned key
 *     vetters         fewer valid vettings than required
 *     min-age         the entry is younger than the required minimum age
 *     consistency     the log contradicts what this client saw before (split view, rollback, key change)
 *     not-logged      the file's digest is not in the log
 *     contested       other digests are logged under the same filename (substitution)
 *     server          the log server refused, failed or could not be reached
 *     usage           bad arguments or unreadable local inputs (keys, policies, state files)
 */
import { StamplogError, isStamplogError } from '../base/index.ts';
import type { ErrorCode } from '../base/index.ts';

export type FailedCheck =
  | 'file'
  | 'proof'
  | 'log-signature'
  | 'witness-quorum'
  | 'publisher-key'
  | 'vetters'
  | 'min-age'
  | 'consistency'
  | 'not-logged'
  | 'contested'
  | 'server'
  | 'usage';

/** A StamplogError tagged with the check that failed. */
export function failure(
  check: FailedCheck,
  code: ErrorCode,
  message: string,
  opts: { cause?: unknown; details?: Record<string, unknown> } = {},
): StamplogError {
  return new StamplogError(code, message, { cause: opts.cause, details: { ...opts.details, check } });
}

/** The check named by a failure, if it carries one. */
export function failedCheck(e: unknown): FailedCheck | undefined {
  if (!isStamplogError(e)) return undefined;
  const c = e.details?.check;
  return typeof c === 'string' ? (c as FailedCheck) : undefined;
}

/**
 * Runs `fn`; a StamplogError it throws without a check is re-thrown tagged with `check` (or, when `check`
 * is a function, with the check it picks from the error), its message prefixed with `what`.
 */
export function tagged<T>(check: FailedCheck | ((e: StamplogError) => FailedCheck), what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw retag(e, check, what);
  }
}

/** The async form of {@link tagged}. */
export async function taggedAsync<T>(check: FailedCheck | ((e: StamplogError) => FailedCheck), what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw retag(e, check, what);
  }
}

function retag(e: unknown, check: FailedCheck | ((e: StamplogError) => FailedCheck), what: string): unknown {
  if (!isStamplogError(e) || failedCheck(e) !== undefined) return e;
  const c = typeof check === 'function' ? check(e) : check;
  return failure(c, e.code, what === '' ? e.message : `${what}: ${e.message}`, { cause: e, details: e.details });
}

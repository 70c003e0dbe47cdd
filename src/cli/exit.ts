/**
 * Exit statuses of every `stamplog` command, one per kind of failure, so that a script (an upload hook, a
 * CI job, an installer) can act on them. The message on stderr always names what failed.
 *
 *     0   OK
 *     1   unexpected failure (a bug, a local I/O error)
 *     2   usage: bad arguments, or an unreadable or malformed local input (key, policy, receipt path, state)
 *     3   the log server refused the request, answered unusably, or could not be reached
 *    10   file: the file's SHA-256 or size is not the logged entry's
 *    11   proof: the inclusion proof, leaf or receipt does not verify (or is for another entry)
 *    12   log signature: the checkpoint is not signed by a trusted log (another log, wrong origin)
 *    13   witness quorum: the checkpoint lacks the cosignatures the policy requires
 *    14   publisher key: no valid signature by a pinned publisher key
 *    15   vetters: fewer valid vettings than required
 *    16   minimum age: the entry is younger than required
 *    20   inconsistent: the log contradicts what this client saw before (split view, rollback, key change);
 *         both checkpoints are printed and saved as evidence
 *    21   not logged: `check` found no artifact entry with the file's digest
 *    22   contested: `check` found other digests logged under the same filename
 */
import { isStamplogError } from '../base/index.ts';
import { failedCheck } from '../verify/index.ts';
import type { FailedCheck } from '../verify/index.ts';
import { EXIT } from './exitcodes.ts';

const BY_CHECK: Record<FailedCheck, number> = {
  usage: EXIT.USAGE,
  server: EXIT.SERVER,
  file: EXIT.FILE,
  proof: EXIT.PROOF,
  'log-signature': EXIT.LOG_SIGNATURE,
  'witness-quorum': EXIT.WITNESS_QUORUM,
  'publisher-key': EXIT.PUBLISHER_KEY,
  vetters: EXIT.VETTERS,
  'min-age': EXIT.MIN_AGE,
  consistency: EXIT.INCONSISTENT,
  'not-logged': EXIT.NOT_LOGGED,
  contested: EXIT.CONTESTED,
};

/** The exit status for the failure `e`. */
export function exitStatusFor(e: unknown): number {
  const check = failedCheck(e);
  if (check !== undefined) return BY_CHECK[check];
  if (isStamplogError(e)) {
    switch (e.code) {
      case 'MALFORMED':
      case 'TOO_LARGE':
      case 'UNSUPPORTED_MEDIA_TYPE':
      case 'FORBIDDEN':
      case 'CONFLICT':
      case 'UNAUTHORIZED':
      case 'NOT_FOUND':
        return EXIT.USAGE;
      case 'INCONSISTENT':
        return EXIT.INCONSISTENT;
      default:
        return EXIT.FAILURE;
    }
  }
  // A local file that is missing or unreadable is the caller's input.
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') return EXIT.USAGE;
  return EXIT.FAILURE;
}

/** The one-line (or, for evidence, multi-line) message for `e`. */
export function messageFor(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' && typeof (e as NodeJS.ErrnoException).path === 'string') return `no such file: ${(e as NodeJS.ErrnoException).path}`;
  return e instanceof Error ? e.message : String(e);
}

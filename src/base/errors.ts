/**
 * The project's one error type. Every failure that a caller may want to act on is a `StamplogError`
 * carrying one of a small set of codes; `src/http/` maps codes to HTTP statuses in one place, so no
 * handler ever chooses a status itself. Verification code throws nothing else on hostile input.
 */

/** What went wrong, in terms a caller can act on. */
export type ErrorCode =
  /** Input does not parse, is non-canonical, or breaks a documented limit of a format. */
  | 'MALFORMED'
  /** A signature is present and well-formed but does not verify, or its key is unacceptable. */
  | 'INVALID_SIGNATURE'
  /** No signature by a key the verifier trusts was found (note, checkpoint, cosignature). */
  | 'UNVERIFIED'
  /** A proof is well-formed but does not lead to the expected root (or is the wrong length). */
  | 'PROOF_MISMATCH'
  /** A trust policy (witness quorum, vetters, publisher pin, minimum age) is not satisfied. */
  | 'POLICY_UNSATISFIED'
  /** The request contradicts state already committed (e.g. a witness asked to roll back). */
  | 'CONFLICT'
  /** Two signed statements that cannot both be true: evidence of equivocation or substitution. */
  | 'INCONSISTENT'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  /** A body, field, batch or count exceeds a documented limit. */
  | 'TOO_LARGE'
  /** A request body of a media type, charset or content coding the endpoint does not take. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** The service is overloaded; the caller should retry later. */
  | 'PUSHBACK'
  /** A request (its body) did not arrive within the time the server waits for it. */
  | 'TIMEOUT'
  /** Local storage does not match what was written: the process must stop signing. */
  | 'CORRUPTION'
  /** A write to local storage failed for lack of space (ENOSPC, EDQUOT): writes stop until it is re-opened. */
  | 'STORAGE_FULL'
  /** A write, fsync or rename of local storage failed (EIO, EROFS, …): writes stop until it is re-opened. */
  | 'STORAGE_FAILED'
  /** The clock is behind the latest time the log issued by more than it tolerates: writes wait for it. */
  | 'CLOCK_BEHIND'
  /** The clock jumped ahead of the time elapsed since the log last issued one: writes wait for an operator. */
  | 'CLOCK_AHEAD'
  /** The stored log is older than, or forks from, a checkpoint this log already published: writes refused. */
  | 'ROLLBACK'
  /** A bug or an unexpected failure of a dependency. */
  | 'INTERNAL';

export interface StamplogErrorOptions {
  cause?: unknown;
  /** Structured extra facts (positions of bad batch items, expected/actual values, …). */
  details?: Record<string, unknown>;
}

/** A failure with a stable `code`; `message` is for humans and never contains secrets. */
export class StamplogError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: StamplogErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StamplogError';
    this.code = code;
    this.details = options.details;
  }
}

/** Thrown when a proof or a stored tree leads to another root than the one expected. */
export class RootMismatchError extends StamplogError {
  readonly expected: Uint8Array;
  readonly calculated: Uint8Array;

  constructor(what: string, expected: Uint8Array, calculated: Uint8Array) {
    super('PROOF_MISMATCH', `${what}: calculated root ${hex(calculated)} does not match expected ${hex(expected)}`);
    this.name = 'RootMismatchError';
    this.expected = expected;
    this.calculated = calculated;
  }
}

/** True when `e` is a StamplogError, and (if given) has code `code`. */
export function isStamplogError(e: unknown, code?: ErrorCode): e is StamplogError {
  return e instanceof StamplogError && (code === undefined || e.code === code);
}

/** Shorthand for the most common throw: malformed input. */
export function malformed(message: string, details?: Record<string, unknown>): StamplogError {
  return new StamplogError('MALFORMED', message, details === undefined ? {} : { details });
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

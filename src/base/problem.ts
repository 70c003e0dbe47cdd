/**
 * Errors on the wire: RFC 9457 problem details (`application/problem+json`). The ONE place where error codes
 * become HTTP statuses, for every server of the project (the log's src/http, the monitor's node:http server);
 * handlers throw StamplogErrors and never choose a status themselves. Messages of internal failures are not
 * echoed (they may name paths); the code and a generic title are. Pure: the glue that sends a problem lives
 * with each server.
 */
import type { ErrorCode } from './errors.ts';
import { StamplogError } from './errors.ts';

const STATUS: Record<ErrorCode, number> = {
  MALFORMED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNVERIFIED: 403,
  NOT_FOUND: 404,
  TIMEOUT: 408,
  CONFLICT: 409,
  INCONSISTENT: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_SIGNATURE: 422,
  PROOF_MISMATCH: 422,
  POLICY_UNSATISFIED: 422,
  PUSHBACK: 503,
  CORRUPTION: 503,
  STORAGE_FULL: 503,
  STORAGE_FAILED: 503,
  CLOCK_BEHIND: 503,
  CLOCK_AHEAD: 503,
  ROLLBACK: 503,
  INTERNAL: 500,
};

const TITLE: Record<ErrorCode, string> = {
  MALFORMED: 'Malformed request',
  UNAUTHORIZED: 'Missing or invalid bearer token',
  FORBIDDEN: 'Forbidden',
  UNVERIFIED: 'Not signed by a trusted key',
  NOT_FOUND: 'Not found',
  TIMEOUT: 'Request body not received in time',
  CONFLICT: 'Conflict with the log state',
  INCONSISTENT: 'Inconsistent signed statements',
  TOO_LARGE: 'Request too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  INVALID_SIGNATURE: 'Invalid signature',
  PROOF_MISMATCH: 'Proof does not verify',
  POLICY_UNSATISFIED: 'Policy not satisfied',
  PUSHBACK: 'Overloaded, retry later',
  CORRUPTION: 'The log has stopped: storage failed verification',
  STORAGE_FULL: 'Writes stopped: the log\'s storage is full',
  STORAGE_FAILED: 'Writes stopped: the log\'s storage failed',
  CLOCK_BEHIND: 'Writes paused: the log\'s clock is behind the time it last issued',
  CLOCK_AHEAD: 'Writes paused: the log\'s clock jumped ahead',
  ROLLBACK: 'Writes refused: the stored log is older than one already published',
  INTERNAL: 'Internal error',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [extension: string]: unknown;
}

export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: ProblemBody;
}

/** The problem response for any thrown value (non-StamplogErrors are INTERNAL and their text is hidden). */
export function toProblem(error: unknown): ProblemResponse {
  const e = error instanceof StamplogError ? error : new StamplogError('INTERNAL', 'internal error');
  // A known resource asked with a method it does not answer: NOT_FOUND (no such endpoint) carrying the
  // methods it does answer, sent as 405 with Allow (RFC 9110 §15.5.6).
  const allow = e.code === 'NOT_FOUND' && typeof e.details?.allow === 'string' ? e.details.allow : undefined;
  const status = allow !== undefined ? 405 : STATUS[e.code];
  // Storage and rollback messages name paths and devices: the operator reads them in the server's log.
  const hideDetail = e.code === 'INTERNAL' || e.code === 'CORRUPTION' || e.code === 'STORAGE_FULL' || e.code === 'STORAGE_FAILED' || e.code === 'ROLLBACK';
  const body: ProblemBody = {
    type: allow !== undefined ? 'urn:stamplog:problem:method-not-allowed' : `urn:stamplog:problem:${e.code.toLowerCase().replace(/_/g, '-')}`,
    title: allow !== undefined ? 'Method not allowed' : TITLE[e.code],
    status,
    detail: hideDetail ? TITLE[e.code] : e.message,
    code: e.code,
  };
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  const problems = e.details?.problems;
  if (Array.isArray(problems)) body.problems = problems;
  if (e.code === 'PUSHBACK' || e.code === 'STORAGE_FULL' || e.code === 'STORAGE_FAILED' || e.code === 'CLOCK_BEHIND' || e.code === 'CLOCK_AHEAD') {
    const retry = e.details?.retryAfterSeconds;
    headers['retry-after'] = String(typeof retry === 'number' && retry > 0 ? Math.ceil(retry) : 1);
  }
  if (e.code === 'UNAUTHORIZED') headers['www-authenticate'] = 'Bearer';
  if (allow !== undefined) headers.allow = allow;
  return { status, headers, body };
}

/** What sendProblem needs of a response: node:http's ServerResponse has this shape. */
export interface ProblemSink {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

/** Sends the problem response for `error` on a plain node:http response (no framework). */
export function sendProblemNode(res: ProblemSink, error: unknown): void {
  const p = toProblem(error);
  res.writeHead(p.status, p.headers);
  res.end(JSON.stringify(p.body));
}

/**
 * src/http: the server's HTTP face — the express app over a TransparencyLog, the node:http fast paths in front of
 * it, request bounds and the mapping of error codes to problem+json answers. This file is the module's public
 * surface; the other files are its implementation.
 *
 *   handler.ts     createHandler: fast paths first, then the express app
 *   app.ts         the express app: routes, parameters, answers
 *   appends.ts     append admission and answers (fastappend.ts: the JSON append fast path; fast.ts: proofs)
 *   sigpool.ts     publisher-signature checks on worker threads
 *   bodybudget.ts  request bodies bounded per request, per token and in total
 *   auth.ts        submitter tokens;  params.ts  strict query parameters
 *   (errors become RFC 9457 problem details through src/base/problem.ts, shared with the monitor)
 *   metrics.ts     request counters
 */
export { parseToken } from './auth.ts';
export type { SubmitterToken } from './auth.ts';
export { createHandler } from './handler.ts';
export { SignatureWorkers } from './sigpool.ts';

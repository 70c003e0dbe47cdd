/**
 * RFC 9457 problem responses for the log's HTTP server. The code → status table, the body and the node:http
 * sender are framework-free and shared with the monitor: they live in src/base/problem.ts.
 */
export { sendProblemNode, toProblem } from '../base/index.ts';
export type { ProblemBody, ProblemResponse } from '../base/index.ts';

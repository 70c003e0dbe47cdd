/**
 * The server's request handler: the node:http fast paths for the hottest requests (inclusion proofs,
 * appends) in front of the express app, which answers everything else and defines every error the
 * fast paths do not take. One Metrics instance is shared by all three, and one body budget by both append paths.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, createApp } from './app.ts';
import { batchAdmitter, submissionAdmitter } from './appends.ts';
import type { AppDeps } from './app.ts';
import { bearerAuthenticator } from './auth.ts';
import { BodyBudget } from './bodybudget.ts';
import { fastAppend } from './fastappend.ts';
import { fastReads } from './fast.ts';
import { Metrics } from './metrics.ts';

export function createHandler(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const metrics = deps.metrics ?? new Metrics();
  // One budget for the bodies both paths read.
  const bodyBudget = deps.bodyBudget ?? new BodyBudget(deps.bodyLimits);
  const app = createApp({ ...deps, metrics, bodyBudget });
  const reads = fastReads(deps.log);
  const appends = fastAppend({
    log: deps.log,
    authenticate: bearerAuthenticator(deps.tokens),
    admit: submissionAdmitter(deps.verifySignature),
    admitBatch: batchAdmitter(deps.verifySignature),
    metrics,
    bodyLimit: LIMITS.entryBodyBytes,
    batchBodyLimit: LIMITS.batchBodyBytes,
    bodies: bodyBudget,
  });
  return (req, res) => {
    if (!reads(req, res) && !appends(req, res)) app(req, res);
  };
}

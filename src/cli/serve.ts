/**
 * `stamplog serve`: opens the LevelDB store, re-verifies the log, and serves the HTTP API until SIGTERM or
 * SIGINT, then shuts down cleanly: stop accepting connections, sequence and answer everything queued, close
 * the store. Keys are created on first start (data dir, mode 0600) and only verifier keys are printed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePolicy } from '../note/policy.ts';
import type { AddressInfo } from 'node:net';
import { LevelStore } from '../store/level.ts';
import { TransparencyLog } from '../log/log.ts';
import { loadOrCreateLogKeys } from '../log/keyfiles.ts';
import { createServer } from 'node:http';
import { createHandler } from '../http/handler.ts';
import { SignatureWorkers } from '../http/sigpool.ts';
import { parseToken } from '../http/auth.ts';
import type { SubmitterToken } from '../http/auth.ts';
import { StamplogError } from '../errors.ts';

export interface ServeOptions {
  data: string;
  listen: string;
  origin: string;
  token: string[];
  batchMs: number;
  batchMax: number;
  maxQueue: number;
  verifyThreads: number;
  /** Batch receipts on a worker thread (commander: --no-receipt-thread turns it off). */
  receiptThread: boolean;
  witnessPolicy?: string;
  witnessIntervalMs: number;
  witnessTimeoutMs: number;
  witnessWaitMs: number;
}

/** Splits `host:port` (IPv6 as `[::1]:8080`). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new StamplogError('MALFORMED', `--listen: expected host:port, got ${JSON.stringify(listen)}`);
  return { host: m[1] ?? m[2], port };
}

export async function serve(opts: ServeOptions): Promise<void> {
  const specs = [...opts.token, ...(process.env.STAMPLOG_TOKENS ?? '').split(/[\s,]+/).filter((s) => s !== '')];
  const tokens: SubmitterToken[] = specs.map(parseToken);
  const { host, port } = parseListen(opts.listen);
  const keys = await loadOrCreateLogKeys(opts.data, opts.origin);

  const policyText = opts.witnessPolicy === undefined ? undefined : await readFile(opts.witnessPolicy, 'utf8');
  const witnessing =
    policyText === undefined
      ? undefined
      : {
          policy: parsePolicy(policyText),
          intervalMs: opts.witnessIntervalMs,
          timeoutMs: opts.witnessTimeoutMs,
          waitMs: opts.witnessWaitMs,
          warn: (msg: string) => console.error(`stamplog: warning: ${msg}`),
        };

  const store = new LevelStore(join(opts.data, 'db'));
  await store.open();
  let log: TransparencyLog;
  try {
    log = await TransparencyLog.open(store, {
      origin: opts.origin,
      logKey: keys.logKey,
      timestampKey: keys.timestampKey,
      sequencer: { batchMs: opts.batchMs, batchMax: opts.batchMax, maxQueue: opts.maxQueue },
      receiptThread: opts.receiptThread,
      ...(witnessing === undefined ? {} : { witnessing }),
    });
  } catch (e) {
    await store.close();
    throw e;
  }

  const workers = opts.verifyThreads > 0 ? new SignatureWorkers(opts.verifyThreads) : undefined;
  const server = createServer(
    createHandler({
      log,
      tokens,
      ...(policyText === undefined ? {} : { witnessPolicy: policyText }),
      ...(workers === undefined ? {} : { verifySignature: workers.verify }),
    }),
  );
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Signal handlers before the listening line: whoever sees that line may send SIGTERM at once.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`stamplog: ${signal}: draining`);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await log.drain();
    server.closeIdleConnections();
    // A client that never finishes its request must not hold the shutdown open: give in-flight requests a
    // few seconds after the drain, then cut every connection.
    const deadline = setTimeout(() => server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(deadline);
    await log.close();
    await store.close();
    console.log('stamplog: stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  const addr = server.address() as AddressInfo;
  if (tokens.length === 0) console.error('stamplog: warning: no submitter tokens configured; appends will be refused (401)');
  console.log(`stamplog: log ${opts.origin} size ${log.checkpoint.size}${keys.created ? ' (new keys created)' : ''}`);
  console.log(`stamplog: log key ${keys.logVerifierKey}`);
  console.log(`stamplog: timestamp key ${keys.timestampVerifierKey}`);
  if (witnessing !== undefined) {
    const names = witnessing.policy.witnesses.map((w) => w.name).join(', ');
    console.log(`stamplog: witnesses ${names}; quorum ${witnessing.policy.quorum}${log.witnesses?.requiresQuorum === true ? ' (only cosigned checkpoints are published)' : ' (best effort)'}`);
  }
  console.log(`stamplog: listening on http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`);
}

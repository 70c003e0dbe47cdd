/**
 * `stamplog serve`: the composition root of the log server.
 *
 * Start-up checks everything that can be checked before it creates anything: options, tokens, the witness
 * policy, existing key files, and the listening address (bound first; requests that arrive while the log is
 * re-verified get 503 "starting"). Only then are keys created (first start), the store opened (LevelDB's lock
 * keeps a second process off it), and the log re-verified. Any start-up failure prints one event naming the
 * cause and exits non-zero; nothing stays running.
 *
 * While running, writes stop on a storage failure (STORAGE_FULL, STORAGE_FAILED: one error event, appends and
 * /healthz answer 503, reads go on) and recovery.ts re-opens and re-verifies the store once the disk takes writes
 * again. SIGTERM or SIGINT drains: stop accepting connections, sequence and answer everything queued, close the
 * store, exit 0.
 *
 * The start-up order, as numbered in `start`: (1) checks, (2) bind, (3) keys, store, log, heartbeat,
 * (4) recovery and handler, (5) signal handlers, then the start-up lines ending with `listening`. The
 * operating-system pieces (directory claim, bind, write probe, heartbeat file) are servehost.ts.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parsePolicy } from '../note/index.ts';
import { LevelStore, replaceFileDurably } from '../store/index.ts';
import {
  TransparencyLog,
  CheckpointLock,
  StorageRecovery,
  checkWitnessPolicy,
  loadOrCreateLogKeys,
  readLogKeys,
} from '../log/index.ts';
import { createHandler, SignatureWorkers, parseToken } from '../http/index.ts';
import type { SubmitterToken } from '../http/index.ts';
import { StamplogError, isStamplogError, sendProblemNode } from '../base/index.ts';
import { exitStatusFor } from './exit.ts';
import { createLogger, failureFields } from './logger.ts';
import type { LogFormat, Logger } from './logger.ts';
import { ClockHeartbeat, claimDataDirectory, isDirectory, listen, probeWrites, readIfExists } from './servehost.ts';

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
  /** The checkpoint lock file (default: `<data>.checkpoint-lock`, beside the data directory). */
  checkpointLock?: string;
  /** Adopt a data directory that has no checkpoint lock yet. */
  adoptLock?: boolean;
  /** Accept a clock far ahead of the last issued time at start-up. */
  acceptClock?: boolean;
  /** Time between recovery attempts after a storage failure (ms). */
  recoverIntervalMs?: number;
  /** Most the wall clock may jump ahead of elapsed time while running (ms). */
  maxClockJumpMs?: number;
  maxBodyBytesPerToken?: number;
  maxBodyBytesTotal?: number;
  bodyTimeoutMs?: number;
  bodyIdleTimeoutMs?: number;
  logFormat?: LogFormat;
  logLevel?: string;
}

/** The default time between recovery attempts after a storage failure. */
export const DEFAULT_RECOVER_INTERVAL_MS = 5_000;
/** The file (in the data directory) where a running server notes the time now and then (ClockHeartbeat). */
export const HEARTBEAT_FILE = 'clock-heartbeat';
/** The file (in the data directory) that keeps the newest witnessed checkpoint across restarts. */
export const WITNESSED_FILE = 'witnessed-checkpoint';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'];

/** Why --log-format or --log-level cannot be used, if so. */
function logOptionProblem(opts: ServeOptions): StamplogError | undefined {
  if (opts.logFormat !== undefined && opts.logFormat !== 'json' && opts.logFormat !== 'pretty') {
    return new StamplogError('MALFORMED', `--log-format: expected json or pretty, got ${JSON.stringify(opts.logFormat)}`);
  }
  if (opts.logLevel !== undefined && !LOG_LEVELS.includes(opts.logLevel)) {
    return new StamplogError('MALFORMED', `--log-level: expected ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(opts.logLevel)}`);
  }
  return undefined;
}

/**
 * Exit status of a failed start: 78 (EX_CONFIG, "an operator must act": a supervisor should not restart) for a
 * rollback, corruption or a clock far ahead; otherwise the CLI's status for the failure (never 0).
 */
export const EXIT_OPERATOR_NEEDED = 78;

function startFailureStatus(e: unknown): number {
  if (isStamplogError(e, 'ROLLBACK') || isStamplogError(e, 'CORRUPTION') || isStamplogError(e, 'CLOCK_AHEAD')) return EXIT_OPERATOR_NEEDED;
  const status = exitStatusFor(e);
  return status === 0 ? 1 : status;
}

/** Splits `host:port` (IPv6 as `[::1]:8080`). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new StamplogError('MALFORMED', `--listen: expected host:port, got ${JSON.stringify(listen)}`);
  return { host: m[1] ?? m[2], port };
}

/** The checkpoint lock's default path: beside the data directory, so that restoring the directory leaves it. */
export function defaultLockPath(data: string): string {
  return `${resolve(data)}.checkpoint-lock`;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const badLogOption = logOptionProblem(opts);
  const logger = createLogger(
    badLogOption !== undefined ? {} : { ...(opts.logFormat === undefined ? {} : { format: opts.logFormat }), ...(opts.logLevel === undefined ? {} : { level: opts.logLevel }) },
  );
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    if (badLogOption !== undefined) throw badLogOption;
    await start(opts, logger, cleanup);
  } catch (e) {
    logger.fatal({ event: 'start-failed', ...failureFields(e) }, `cannot start: ${e instanceof Error ? e.message : String(e)}`);
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
    process.exit(startFailureStatus(e));
  }
}

async function start(opts: ServeOptions, logger: Logger, cleanup: (() => Promise<unknown>)[]): Promise<void> {
  // 1. Everything that can be checked without creating anything.
  const specs = [...opts.token, ...(process.env.STAMPLOG_TOKENS ?? '').split(/[\s,]+/).filter((s) => s !== '')];
  const tokens: SubmitterToken[] = specs.map(parseToken);
  const { host, port } = parseListen(opts.listen);
  const policyText = opts.witnessPolicy === undefined ? undefined : await readFile(opts.witnessPolicy, 'utf8');
  const policy = policyText === undefined ? undefined : parsePolicy(policyText);
  const existingKeys = await readLogKeys(opts.data, opts.origin);
  if (policy !== undefined) {
    if (existingKeys === undefined && policy.logs.length > 0) {
      throw new StamplogError('MALFORMED', `witness policy: it lists logs, but ${opts.data} has no log key yet, so it cannot list this log's`);
    }
    checkWitnessPolicy(policy, existingKeys?.logVerifierKey);
  }
  const lock = new CheckpointLock(opts.checkpointLock ?? defaultLockPath(opts.data));
  lock.read(); // unreadable: fail now
  if (!isDirectory(dirname(lock.path))) {
    throw new StamplogError('MALFORMED', `the checkpoint lock's directory ${dirname(lock.path)} does not exist; create it (on a volume a restore of the data directory leaves alone)`);
  }
  const claim = await claimDataDirectory(opts.data);
  if (claim !== undefined) cleanup.push(() => new Promise((r) => claim.close(r)));

  // 2. The address, bound before anything is created; until the log is ready every request gets 503.
  const serving: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server = createServer((req, res) => {
    if (serving.handler !== undefined) serving.handler(req, res);
    else sendProblemNode(res, new StamplogError('PUSHBACK', 'the log is starting (re-verifying its storage)', { details: { retryAfterSeconds: 2 } }));
  });
  await listen(server, host, port);
  cleanup.push(() => new Promise((r) => server.close(r)));

  // 3. Keys (created on first start), the store, the log.
  const keys = await loadOrCreateLogKeys(opts.data, opts.origin);
  const dbPath = join(opts.data, 'db');
  const openStore = async () => {
    const s = new LevelStore(dbPath);
    await s.open();
    return s;
  };
  const store = await openStore();
  cleanup.push(() => store.close());
  const recovering: { recovery?: StorageRecovery } = {};
  const witnessedPath = join(opts.data, WITNESSED_FILE);
  const heartbeat = new ClockHeartbeat(join(opts.data, HEARTBEAT_FILE), (msg) => logger.warn({ event: 'heartbeat' }, msg));
  const log = await TransparencyLog.open(store, {
    origin: opts.origin,
    logKey: keys.logKey,
    timestampKey: keys.timestampKey,
    sequencer: {
      batchMs: opts.batchMs,
      batchMax: opts.batchMax,
      maxQueue: opts.maxQueue,
      ...(opts.maxClockJumpMs === undefined ? {} : { maxClockJumpMs: opts.maxClockJumpMs }),
    },
    receiptThread: opts.receiptThread,
    lock,
    adoptLock: opts.adoptLock === true,
    acceptClock: opts.acceptClock === true,
    ...(heartbeat.last === undefined ? {} : { lastRunTime: heartbeat.last }),
    onClock: (problem) => {
      if (problem === undefined) logger.info({ event: 'clock-ok' }, 'the clock is sane again; appends are taken');
      else logger.warn({ event: 'clock-refused', ...failureFields(problem) }, `appends refused: ${problem.message}`);
    },
    onStop: (reason) => {
      logger.error({ event: 'writes-stopped', ...failureFields(reason) }, `writes stopped: ${reason.message}`);
      recovering.recovery?.notice(reason);
    },
    ...(policy === undefined
      ? {}
      : {
          witnessing: {
            policy,
            intervalMs: opts.witnessIntervalMs,
            timeoutMs: opts.witnessTimeoutMs,
            waitMs: opts.witnessWaitMs,
            warn: (msg: string) => logger.warn({ event: 'witness' }, msg),
            persistence: {
              load: () => readIfExists(witnessedPath),
              save: (note: string) => replaceFileDurably(witnessedPath, new TextEncoder().encode(note), 'the witnessed checkpoint'),
            },
          },
        }),
  });
  cleanup.push(() => log.close());
  await heartbeat.start(() => log.clockProblem === undefined);
  cleanup.push(async () => heartbeat.stop());

  // 4. Storage recovery and the HTTP handler: from here on requests are served.
  let lastRecoveryWarning: { cause: string; at: number } | undefined;
  const recovery = new StorageRecovery({
    log,
    openStore,
    probe: async () => {
      probeWrites(dbPath);
      probeWrites(dirname(lock.path));
      await LevelStore.probe(dbPath);
    },
    intervalMs: opts.recoverIntervalMs ?? DEFAULT_RECOVER_INTERVAL_MS,
    report: (event, { error, attempt }) => {
      if (event === 'recovered') {
        logger.info({ event: 'writes-resumed', attempt }, `storage re-opened and re-verified (attempt ${attempt}); writes resumed at size ${log.checkpoint.size}`);
        lastRecoveryWarning = undefined;
        return;
      }
      // One event per new cause, and the same cause again at most once a minute: a disk full for hours must not
      // fill the log with one line per attempt.
      const cause = (error as Error)?.message ?? String(error);
      const now = Date.now();
      if (lastRecoveryWarning?.cause === cause && now - lastRecoveryWarning.at < 60_000) return;
      lastRecoveryWarning = { cause, at: now };
      logger.warn({ event: 'recovery-failed', attempt, ...failureFields(error) }, `storage still failing (attempt ${attempt}): ${cause}`);
    },
  });

  const workers = opts.verifyThreads > 0 ? new SignatureWorkers(opts.verifyThreads) : undefined;
  recovering.recovery = recovery;
  serving.handler = createHandler({
    log,
    tokens,
    bodyLimits: {
      ...(opts.maxBodyBytesPerToken === undefined ? {} : { perTokenBytes: opts.maxBodyBytesPerToken }),
      ...(opts.maxBodyBytesTotal === undefined ? {} : { totalBytes: opts.maxBodyBytesTotal }),
      ...(opts.bodyTimeoutMs === undefined ? {} : { readTimeoutMs: opts.bodyTimeoutMs }),
      ...(opts.bodyIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.bodyIdleTimeoutMs }),
    },
    ...(policyText === undefined ? {} : { witnessPolicy: policyText }),
    ...(workers === undefined ? {} : { verifySignature: workers.verify }),
  });

  // 5. Signal handlers before the listening line: whoever sees that line may send SIGTERM at once.
  drainOnSignals({ server, recovery, heartbeat, log, logger });
  const addr = server.address() as AddressInfo;
  if (tokens.length === 0) logger.warn({ event: 'no-tokens' }, 'no submitter tokens configured; appends will be refused (401)');
  logger.info({ event: 'log', origin: opts.origin, size: log.checkpoint.size, keysCreated: keys.created }, `log ${opts.origin} size ${log.checkpoint.size}${keys.created ? ' (new keys created)' : ''}`);
  logger.info({ event: 'log-key', key: keys.logVerifierKey }, `log key ${keys.logVerifierKey}`);
  logger.info({ event: 'timestamp-key', key: keys.timestampVerifierKey }, `timestamp key ${keys.timestampVerifierKey}`);
  logger.info({ event: 'checkpoint-lock', path: lock.path }, `checkpoint lock ${lock.path}`);
  if (policy !== undefined) {
    const names = policy.witnesses.map((w) => w.name).join(', ');
    logger.info({ event: 'witnesses' }, `witnesses ${names}; quorum ${policy.quorum}${log.witnesses?.requiresQuorum === true ? ' (only cosigned checkpoints are published)' : ' (best effort)'}`);
  }
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info({ event: 'listening', url }, `listening on ${url}`);
}

/**
 * On SIGTERM or SIGINT (the first one; later ones are ignored): stop accepting connections, stop recovery and
 * the heartbeat, sequence and answer everything queued, close the log and its store, exit 0.
 */
function drainOnSignals(running: { server: Server; recovery: StorageRecovery; heartbeat: ClockHeartbeat; log: TransparencyLog; logger: Logger }): void {
  const { server, recovery, heartbeat, log, logger } = running;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'draining', signal }, `${signal}: draining`);
    const closed = new Promise<void>((r) => server.close(() => r()));
    await recovery.close();
    heartbeat.stop();
    await log.drain();
    server.closeIdleConnections();
    // A client that never finishes its request must not hold the shutdown open: give in-flight requests a
    // few seconds after the drain, then cut every connection.
    const deadline = setTimeout(() => server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(deadline);
    await log.close();
    await log.store.close().catch(() => undefined);
    logger.info({ event: 'stopped' }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

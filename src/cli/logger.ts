/**
 * The server's and the monitor's event log: pino, one JSON line per event on stdout (`level`, `time` as
 * ISO 8601, `msg`, and the event's fields, e.g. `code` and `cause` for a failure), or human-readable lines
 * (pino-pretty, in process) when stdout is a terminal. Secrets never reach it: callers log verifier keys and
 * token names, never signer keys or token secrets, and errors are reduced to their code and message.
 */
import pino from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

/** A logger writing `format` (default: pretty on a terminal, JSON otherwise) at `level` (default info). */
export function createLogger(opts: { format?: LogFormat; level?: string; name?: string } = {}): Logger {
  const format = opts.format ?? (process.stdout.isTTY === true ? 'pretty' : 'json');
  const base = {
    level: opts.level ?? 'info',
    base: opts.name === undefined ? null : { name: opts.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (format === 'pretty') return pino(base, pretty({ colorize: process.stdout.isTTY === true, sync: true, translateTime: 'SYS:standard', ignore: 'pid,hostname' }));
  return pino(base, pino.destination({ dest: 1, sync: true }));
}

/** The fields that describe a failure in an event: its code, message and errno, never a stack or a secret. */
export function failureFields(e: unknown): { code: string; cause: string; errno?: string } {
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'INTERNAL';
  const errno = (e as { details?: { errno?: unknown } })?.details?.errno;
  return { code, cause: e instanceof Error ? e.message : String(e), ...(typeof errno === 'string' ? { errno } : {}) };
}

/**
 * The operating-system side of `stamplog serve` (serve.ts): claiming the data directory for one process,
 * binding the listening address, the write probe that tells storage recovery the disk takes writes again,
 * and the clock heartbeat file. Each either succeeds or throws a StamplogError naming what to fix.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer } from 'node:net';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { replaceFileDurably, storageFailure } from '../store/index.ts';
import { StamplogError } from '../base/index.ts';

/** Bytes the recovery probe writes and fsyncs where the log writes. */
const PROBE_BYTES = 1024 * 1024;
/** How often the heartbeat is written. */
const HEARTBEAT_MS = 10 * 60 * 1000;

/**
 * On Linux, claims `data` for this process by binding an abstract Unix socket named after its real path: released
 * by the kernel when the process ends, and nothing on disk. It refuses a second server before anything is touched
 * (LevelDB's own lock, the final guard, is taken only after LevelDB has already rotated its info log). Undefined
 * elsewhere, or when `data` does not exist yet.
 */
export async function claimDataDirectory(data: string): Promise<NetServer | undefined> {
  if (process.platform !== 'linux') return undefined;
  let real: string;
  try {
    real = realpathSync(data);
  } catch {
    return undefined;
  }
  const claim = createNetServer();
  const name = `\0stamplog-data:${createHash('sha256').update(real).digest('hex')}`;
  await new Promise<void>((resolveClaim, reject) => {
    claim.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new StamplogError('CONFLICT', `the data directory ${data} is in use by another process (a running stamplog serve)`, { cause: e })
          : e,
      ),
    );
    claim.listen({ path: name }, () => resolveClaim());
  });
  claim.unref();
  return claim;
}

/** Binds `server`; rejects (e.g. EADDRINUSE) with a message naming the address. */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolveListen, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(new StamplogError('CONFLICT', `cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the address is already in use' : e.message}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolveListen();
    });
  });
}

/** Writes, fsyncs and removes a small file in `dir`; throws STORAGE_FULL / STORAGE_FAILED while that fails. */
export function probeWrites(dir: string): void {
  const path = join(dir, 'STAMPLOG-PROBE');
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(path, 'w', 0o600);
    try {
      const chunk = new Uint8Array(64 * 1024);
      for (let off = 0; off < PROBE_BYTES; off += chunk.length) writeSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      unlinkSync(path);
    }
  } catch (e) {
    throw storageFailure(`the recovery probe in ${dir}`, e);
  }
}

/** True iff `path` is a directory (false if it cannot be read). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The time a running server last noted (ms, canonical decimal in a file), written every few minutes: at start-up
 * the clock check measures from it, so a log that appended nothing for a week restarts without --accept-clock
 * while a clock that jumped far past the last time the server ran is still caught. Failing to write it only
 * warns (once): it is a convenience for the operator, not a guarantee.
 */
export class ClockHeartbeat {
  readonly last: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(
    private readonly path: string,
    private readonly warn: (message: string) => void,
  ) {
    const text = readIfExists(path)?.trim();
    const n = text === undefined ? NaN : Number(text);
    this.last = Number.isSafeInteger(n) && n > 0 && String(n) === text ? n : undefined;
  }

  /**
   * Writes now (resolved once written, so a started server has noted its time) and every HEARTBEAT_MS, each time
   * only if `sane()` (a clock that jumped is never noted).
   */
  async start(sane: () => boolean): Promise<void> {
    const beat = () => (sane() ? this.beat() : Promise.resolve());
    await beat();
    this.timer = setInterval(() => void beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One write; the next comes HEARTBEAT_MS later, so writes never overlap. */
  private async beat(): Promise<void> {
    try {
      await replaceFileDurably(this.path, new TextEncoder().encode(`${Date.now()}\n`), 'the clock heartbeat');
    } catch (e) {
      if (!this.warned) this.warn(`cannot write ${this.path}: ${(e as Error).message}`);
      this.warned = true;
    }
  }
}

/** The text of the file at `path`, or undefined if it does not exist. */
export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

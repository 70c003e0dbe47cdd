/**
 * Local files for the client: streaming SHA-256 of artifacts, atomic replacement of state files (receipts,
 * pins, backfill state), and secret key files that are never overwritten and never readable by others.
 *
 * Atomic write = write a fresh temporary file in the same directory, fsync it, rename it over the target,
 * fsync the directory: a crash leaves either the old file or the new one, never a mix (POSIX rename(2)).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, stat, unlink, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StamplogError } from '../base/index.ts';
import { failure, parseStatementKey } from '../verify/index.ts';
import type { StatementKey } from '../verify/index.ts';

/** SHA-256 and size of the file at `path`, read as a stream (any size). */
export async function hashFile(path: string): Promise<{ sha256: Uint8Array; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: new Uint8Array(h.digest()), size };
}

/** Replaces `path` with `data` atomically (temporary file, fsync, rename, directory fsync). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  // The rename is durable once the directory is synced (not every platform can open a directory).
  try {
    const d = await open(dir, 'r');
    await d.sync().catch(() => undefined);
    await d.close();
  } catch {
    // best effort
  }
}

/** Creates `path` holding `content` with mode 0600; refuses (CONFLICT) if it exists. */
export async function writeNewSecretFile(path: string, content: string): Promise<void> {
  let fh;
  try {
    // 'wx': O_CREAT | O_EXCL, so an existing key is never replaced; 0600 from the first byte.
    fh = await open(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StamplogError('CONFLICT', `${path} exists; refusing to overwrite a key`);
    throw e;
  }
  try {
    await fh.chmod(0o600); // in case the umask or the platform ignored the mode
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Creates `path` (mode 0644) holding `content`; refuses (CONFLICT) if it exists. */
export async function writeNewFile(path: string, content: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StamplogError('CONFLICT', `${path} exists; refusing to overwrite it`);
    throw e;
  }
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The trimmed text of the secret file `path`; FORBIDDEN if group or others may read or write it. */
export async function readSecretFile(path: string): Promise<string> {
  const st = await stat(path);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new StamplogError('FORBIDDEN', `${path} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  return (await readFile(path, 'utf8')).trim();
}

/**
 * The Ed25519 (type 0x01) statement signing key in the file `path` (keys.ts); throws FORBIDDEN if the file
 * is accessible to others, MALFORMED if it holds no such key.
 */
export async function readStatementKey(path: string): Promise<StatementKey> {
  return parseStatementKey(await readSecretFile(path), path);
}

/**
 * The JSON value in the state file at `path` (a pin, a backfill state), or undefined if there is no such file.
 * A file that is not JSON is a usage failure (MALFORMED): "`what``path` is not JSON; `remedy`".
 */
export async function readJSONIfExists(path: string, what: string, remedy: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw failure('usage', 'MALFORMED', `${what}${path} is not JSON; ${remedy}`, { cause: e });
  }
}

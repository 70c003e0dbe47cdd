/**
 * Durable replacement of a small file: write the bytes to `<path>.tmp`, fsync that file, rename it over `path`,
 * fsync the directory. After it returns, a crash or power cut leaves the new contents; before, the old ones or
 * (if the rename reached the disk but not the directory fsync) the new ones: never a torn file, given POSIX
 * rename(2). Bytes, not strings: Node 20's writeFileSync ignores `flush` for strings.
 *
 * Any failure throws STORAGE_FULL / STORAGE_FAILED (faults.ts); the temporary file may be left behind and is
 * overwritten by the next call. Synchronous on purpose: the files are small, and a few syscalls on this thread
 * cost less than round trips to libuv's pool that queue behind other work.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { storageFailure } from './faults.ts';

export function replaceFileDurably(path: string, data: Uint8Array, what: string, mode = 0o644): void {
  const tmp = `${path}.tmp`;
  let step = `writing ${what}`;
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      step = `syncing ${what}`;
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    step = `renaming ${what} into place`;
    renameSync(tmp, path);
    step = `syncing the directory of ${what}`;
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (e) {
    throw storageFailure(step, e);
  }
}

/**
 * `replaceFileDurably` on libuv's threads: the same steps and guarantees, resolved once the directory is synced,
 * for a file written while this thread does other work (the checkpoint lock beside the checkpoint file).
 */
export async function replaceFileDurablyAsync(path: string, data: Uint8Array, what: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp`;
  let step = `writing ${what}`;
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      step = `syncing ${what}`;
      await fh.sync();
    } finally {
      await fh.close();
    }
    step = `renaming ${what} into place`;
    await rename(tmp, path);
    step = `syncing the directory of ${what}`;
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (e) {
    throw storageFailure(step, e);
  }
}

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

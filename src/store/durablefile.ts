/**
 * Durable replacement of a small file: write the bytes to `<path>.tmp`, fsync that file, rename it over `path`,
 * fsync the directory. After it returns, a crash or power cut leaves the new contents; before, the old ones or
 * (if the rename reached the disk but not the directory fsync) the new ones: never a torn file, given POSIX
 * rename(2). Bytes, not strings: Node 20's writeFileSync ignores `flush` for strings.
 *
 * Resolves once the directory is synced. Any failure rejects with STORAGE_FULL / STORAGE_FAILED (faults.ts); the
 * temporary file may be left behind and is overwritten by the next call. Calls for one path must not overlap (they
 * share the temporary file): callers serialise them. On libuv's threads, so that this thread goes on meanwhile.
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { storageFailure } from './faults.ts';

export async function replaceFileDurably(path: string, data: Uint8Array, what: string, mode = 0o644): Promise<void> {
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

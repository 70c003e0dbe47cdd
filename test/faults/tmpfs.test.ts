/**
 * Issue 16: a REAL file system filled to ENOSPC, no shim. A 16 MiB tmpfs is mounted (this needs root and a
 * kernel that lets the test mount; otherwise the test is skipped and says why), the server's data directory
 * and its checkpoint lock are put on it, and under concurrent appends a filler file takes the rest of the space.
 * Appends must then be refused with 503 STORAGE_FULL, `/healthz` must say so, and reads go on; once the filler
 * is deleted the server must recover by itself, and after a SIGKILL and a restart every acknowledged receipt
 * verifies against the final checkpoint and every served checkpoint is consistent with it (harness.ts).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultRig } from './harness.ts';

/** Mounts a 16 MiB tmpfs on a fresh directory; returns it, or why that is not possible here. */
function mountTmpfs(): { dir?: string; reason?: string } {
  if (process.platform !== 'linux') return { reason: 'mounting a tmpfs needs Linux' };
  if (process.getuid?.() !== 0) return { reason: 'mounting a tmpfs needs root' };
  const dir = mkdtempSync(join(tmpdir(), 'stamplog-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmdirSync(dir);
    return { reason: `mount -t tmpfs failed here (${(r.stderr || r.error?.message || `status ${r.status}`).trim()})` };
  }
  return { dir };
}

function unmount(dir: string): void {
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
  try {
    rmdirSync(dir);
  } catch {
    // still busy: left for the OS to clean up
  }
}

/** Writes `path` until the file system refuses with ENOSPC; returns the bytes written. Throws on any other error. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1024 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

const mounted = mountTmpfs();

describe('a real file system filled to ENOSPC (a 16 MiB tmpfs), under concurrent appends', { skip: mounted.reason }, () => {
  const dir = mounted.dir as string;
  let rig: FaultRig | undefined;
  after(async () => {
    await rig?.close();
    unmount(dir);
  });

  it('refuses appends with 503 STORAGE_FULL while full, serves reads, recovers when space returns, loses nothing acknowledged', { timeout: 150_000 }, async () => {
    rig = await FaultRig.start({ dir, recoverIntervalMs: 200 });
    const filler = join(dir, 'filler');
    let filled = 0;
    const report = await rig.runFault({
      name: 'tmpfs filled',
      errno: 'ENOSPC',
      kind: 'runtime',
      on: () => {
        filled = fill(filler);
      },
      off: () => unlinkSync(filler),
      fired: () => (filled > 0 ? [`filler of ${filled} bytes reached ENOSPC`] : []),
    });
    console.log(`tmpfs: filler ${filled} bytes, ${report.refused} appends refused, recovered in ${report.recoveryMs} ms, ${report.acknowledgedAfter} acknowledged since`);
    assert.deepEqual(report.problems, [], report.problems.join('\n'));
    const result = await rig.finish();
    console.log(`tmpfs: final size ${result.size}, ${result.receipts} receipts, ${result.checkpoints} checkpoint sizes seen`);
    assert.deepEqual(result.violations, [], result.violations.join('\n'));
  });
});

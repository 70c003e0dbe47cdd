/**
 * The per-errno fault suite (eio.test.ts, enospc.test.ts): one server under the shim for the whole describe,
 * every site of the write path broken in turn (one `it` each) under concurrent appends, then a SIGKILL and a
 * restart, and every receipt and checkpoint checked against the final log. A site that leaves the server
 * unrecovered fails its own test and the rig restarts the server, so the later sites still run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir } from '../helpers/server.ts';
import { FaultRig, buildShim, sites } from './harness.ts';
import type { FaultErrno } from './harness.ts';

export function faultSuite(errno: FaultErrno): void {
  const shim = buildShim();
  const skip = shim.reason ?? (process.platform !== 'linux' ? 'LD_PRELOAD fault injection needs Linux (glibc)' : undefined);
  describe(`storage faults (${errno}) at each site of the write path, under concurrent appends`, { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), `stamplog-faults-${errno.toLowerCase()}-`));
    let rig: FaultRig | undefined;
    let finished = false;
    before(async () => {
      rig = await FaultRig.start({ shim: shim.path, dir, recoverIntervalMs: 200 });
    });
    after(async () => {
      if (rig !== undefined && !finished) await rig.close();
      removeDir(dir);
    });

    for (const site of sites()) {
      it(`${site.name}: refused with 503 while failed, recovered after`, { timeout: 90_000 }, async () => {
        const r = await (rig as FaultRig).runSite(site, errno);
        console.log(`${errno} ${site.name}: ${r.faultsFired} faults fired, ${r.refused} appends refused, recovered in ${r.recoveryMs} ms, ${r.acknowledgedAfter} acknowledged since`);
        assert.deepEqual(r.problems, [], r.problems.join('\n'));
      });
    }

    it('after every site and a SIGKILL: each acknowledged receipt verifies against the final checkpoint, every served checkpoint is consistent with it', { timeout: 120_000 }, async () => {
      const r = rig as FaultRig;
      const result = await r.finish();
      finished = true;
      await r.close();
      console.log(`${errno}: final size ${result.size}, ${result.receipts} receipts, ${result.checkpoints} checkpoint sizes seen`);
      assert.deepEqual(result.violations, [], result.violations.join('\n'));
      assert.ok(result.receipts >= 100, `the load acknowledged a meaningful number of entries (${result.receipts})`);
    });
  });
}

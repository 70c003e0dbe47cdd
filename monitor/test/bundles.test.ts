import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTree, TILE_WIDTH } from '../../src/merkle/index.ts';
import { generateSignerKey } from '../../src/note/index.ts';
import { TileClient } from '../../src/client/tiles.ts';
import { BundleStream, ChainedSource, WorkerBundleStream } from '../follow/index.ts';
import type { BundleSource, HashedBundle } from '../follow/index.ts';
import { startFakeLog } from './fakelog.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The leaves of a split bundle, as copies. */
function leavesOf(b: { bytes: Buffer; at: Int32Array; count: number }): Uint8Array[] {
  return Array.from({ length: b.count }, (_, i) => new Uint8Array(b.bytes.subarray(b.at[i] + 2, b.at[i + 1])));
}

async function drain(src: BundleSource, n: number): Promise<{ leaves: string[]; hashes: string; root: string | undefined }[]> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const b: HashedBundle = await src.take();
    out.push({ leaves: leavesOf(b).map(hex), hashes: hex(b.leafHashes), root: b.root === undefined ? undefined : hex(b.root) });
  }
  return out;
}

describe('bundle sources', () => {
  it('in this thread, in a worker thread, and chained, give the same bundles and hashes, in order', async () => {
    const k = generateSignerKey('bundles.example/log', new Uint8Array(32).fill(5));
    const log = await startFakeLog('bundles.example/log', k.signerKey);
    try {
      const size = 5 * TILE_WIDTH + 17;
      log.append(Array.from({ length: size }, (_, i) => new TextEncoder().encode(`entry ${i}`)));
      const client = new TileClient(log.url);
      const local = () => new BundleStream({ fetch: (n, w) => client.entryBundleSplit(n, w), first: 0, last: 5, size, ahead: 2 });
      const want = await drain(local(), 6);
      assert.equal(want[5].leaves.length, 17);
      assert.equal(want[0].root, hex((() => {
        const t = new MemoryTree();
        for (let i = 0; i < TILE_WIDTH; i++) t.append(new TextEncoder().encode(`entry ${i}`));
        return t.root();
      })()));
      const worker = new WorkerBundleStream({ url: log.url, fetch: {}, first: 0, last: 5, size, ahead: 2 });
      try {
        assert.deepEqual(await drain(worker, 6), want);
        await assert.rejects(worker.take(), RangeError);
      } finally {
        await worker.close();
      }
      const chained = new ChainedSource(new BundleStream({ fetch: (n, w) => client.entryBundleSplit(n, w), first: 0, last: 1, size, ahead: 2 }), 2, new WorkerBundleStream({ url: log.url, fetch: {}, first: 2, last: 5, size, ahead: 1 }));
      try {
        assert.deepEqual(await drain(chained, 6), want);
      } finally {
        await chained.close();
      }
    } finally {
      await log.close();
    }
  });

  it('a fetch that fails surfaces, as the same StamplogError, when its bundle is taken', async () => {
    const k = generateSignerKey('bundles.example/log', new Uint8Array(32).fill(5));
    const log = await startFakeLog('bundles.example/log', k.signerKey);
    try {
      log.append(Array.from({ length: 2 * TILE_WIDTH }, (_, i) => new TextEncoder().encode(`entry ${i}`)));
      const client = new TileClient(log.url);
      // Bundle 2 does not exist: the log has 2 bundles; ask for a tree of 3.
      const size = 3 * TILE_WIDTH;
      const local = new BundleStream({ fetch: (n, w) => client.entryBundleSplit(n, w), first: 0, last: 2, size, ahead: 3 });
      const worker = new WorkerBundleStream({ url: log.url, fetch: {}, first: 0, last: 2, size, ahead: 3 });
      try {
        for (const src of [local, worker]) {
          await src.take();
          await src.take();
          await assert.rejects(src.take(), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /tile\/entries\/002/.test(e.message));
        }
      } finally {
        await worker.close();
      }
    } finally {
      await log.close();
    }
  });
});

/**
 * The body of the bundle worker thread (bundleworker.ts): fetches entry bundles first..last of one log in
 * order, hashes every leaf (src/merkle hashEntryBundle), and posts each bundle with its hashes to the parent, its
 * bytes and hash arrays transferred, never more bundles than the credit the parent gave (`credit` at first,
 * then what it returns as it takes them). The first failure is posted as an error and ends the work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isStamplogError } from '../../src/base/index.ts';
import { BundleStream } from './bundles.ts';
import type { HashedBundle } from './bundles.ts';
import type { BundleWork, FromBundleThread } from './bundleworker.ts';
import { TileClient } from '../../src/client/index.ts';

const port = parentPort;
if (port === null) throw new Error('bundlethread.ts runs in a worker thread');
const work = workerData as BundleWork;
const client = new TileClient(work.url, work.fetch);
const stream = new BundleStream({ fetch: (n, w) => client.entryBundleSplit(n, w), first: work.first, last: work.last, size: work.size, ahead: work.ahead });

let credit = work.credit;
let wake: (() => void) | undefined;
port.on('message', (m: { credit: number }) => {
  credit += m.credit;
  wake?.();
});

/** An ArrayBuffer holding exactly `b`'s bytes, which can be transferred (one shared with other data must not be). */
function own(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  // A copy into a fresh ArrayBuffer (not b.slice(): on a Buffer that is a view of the same memory).
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy.buffer;
}

function post(m: FromBundleThread, transfer: ArrayBuffer[] = []): void {
  try {
    port?.postMessage(m, transfer);
  } catch {
    // An ArrayBuffer that Node will not transfer (marked untransferable): send copies instead.
    port?.postMessage(m);
  }
}

for (let n = work.first; n <= work.last; n++) {
  while (credit <= 0) await new Promise<void>((r) => (wake = r));
  wake = undefined;
  credit--;
  let b: HashedBundle;
  try {
    b = await stream.take();
  } catch (e) {
    post({ n, error: isStamplogError(e) ? { code: e.code, message: e.message, details: e.details } : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } });
    break;
  }
  const bytes = own(b.bytes);
  post({ n, bytes, length: b.bytes.length, at: b.at, count: b.count, leafHashes: b.leafHashes, root: b.root }, [
    bytes,
    b.at.buffer as ArrayBuffer,
    b.leafHashes.buffer as ArrayBuffer,
  ]);
}
port.close();

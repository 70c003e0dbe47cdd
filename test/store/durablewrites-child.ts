/**
 * Child process of syncwrites.test.ts, run under the LD_PRELOAD fault shim in trace mode: opens a LevelStore
 * in the directory given as argv[2] and makes three commits, each followed by its checkpoint, so the parent can
 * read from the shim's trace (stderr) which writes, fsyncs and renames reached the C library, in order.
 */
import { LevelStore } from '../../src/store/level.ts';

const dir = process.argv[2];
const store = new LevelStore(dir);
await store.open();
for (let b = 0; b < 3; b++) {
  const leaves = Array.from({ length: 5 }, (_, i) => new Uint8Array(100).fill(b * 5 + i));
  await store.commit({ fromSize: b * 5, leaves, tiles: [], dedup: [], search: [] });
  await store.putCheckpoint((b + 1) * 5, `example.test/log\n${(b + 1) * 5}\nAAAA\n\n\u2014 example.test/log AAAA\n`);
  process.stderr.write(`child: round ${b} done\n`);
}
await store.close();

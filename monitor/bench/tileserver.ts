/**
 * A static tlog-tiles log of N synthetic entries served on loopback (monitor/test/fakelog.ts), as a CDN would
 * serve one: prints `url <url>` and `key <vkey>` once ready. Used by monitor/bench/audit.ts in a child process.
 *   node --import tsx monitor/bench/tileserver.ts 1000000
 */
import { encodeLeaf, makeEntry } from '../../src/leaf/index.ts';
import { generateSignerKey } from '../../src/note/index.ts';
import { makeSubmissionValue } from '../../test/helpers/server.ts';
import { startFakeLog } from '../test/fakelog.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const k = generateSignerKey('bench.example/log', new Uint8Array(32).fill(42));
// Full bundles are encoded once, up front, and served as stored bytes, as from a CDN (fakelog.ts).
const log = await startFakeLog('bench.example/log', k.signerKey, { staticBundles: true });
const leaves: Uint8Array[] = [];
for (let i = 0; i < n; i++) leaves.push(encodeLeaf(makeEntry(makeSubmissionValue(i, i % 4 === 0 ? {} : { salt: 'b' }), 1_717_000_000_000 + i)).slice());
log.append(leaves);
console.log(`url ${log.url}`);
console.log(`key ${k.verifierKey}`);

// The log's witnessing loop (src/log/witnessing.ts) against this repository's C2SP witness (monitor/witness/witness.ts),
// in process: the loop's HTTP poster is replaced by a direct call to Witness.addCheckpoint, so every protocol
// step (old size, consistency proof, 409 resynchronisation, cosignature verification) is the real one.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStamplogError } from '../../src/base/errors.ts';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { generateCosignerKey, openNote, parsePolicy, verifyCheckpointWithPolicy, cosignatureVerifier } from '../../src/note/index.ts';
import type { Policy } from '../../src/note/index.ts';
import type { WitnessPoster } from '../../src/log/witnessing.ts';
import type { TransparencyLog } from '../../src/log/log.ts';
import type { MemoryStore } from '../../src/store/memory.ts';
import { artifact, logKeys, openMemoryLog } from '../../test/log/fixtures.ts';
import { Witness } from '../witness/index.ts';
import { logsOf, openKit } from './kit.ts';
import type { Kit } from './kit.ts';

const w1 = generateCosignerKey('w1.example/witness', new Uint8Array(32).fill(41));
const w2 = generateCosignerKey('w2.example/witness', new Uint8Array(32).fill(42));
const intruder = generateCosignerKey('w2.example/witness', new Uint8Array(32).fill(43));
const NOW = 1_700_000_100_000;

function policy(quorum: 'both' | 'none' | 'w1'): Policy {
  return parsePolicy(
    `log ${logKeys().logVerifierKey}\n` +
      `witness w1 ${w1.verifierKey} http://w1.test\n` +
      `witness w2 ${w2.verifierKey} http://w2.test\n` +
      `group both all w1 w2\n` +
      `quorum ${quorum}\n`,
  );
}

interface Bench {
  log: TransparencyLog;
  store: MemoryStore;
  witnesses: Map<string, Witness>;
  /** URLs whose witness is "down" (the poster throws). */
  down: Set<string>;
  warnings: string[];
  requests: { url: string; body: string }[];
  kits: Kit[];
}

const open: Bench[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) {
    await b.log.drain();
    for (const k of b.kits) await k.close();
  }
});

interface Saved {
  note?: string;
}

async function bench(
  quorum: 'both' | 'none' | 'w1',
  opts: { kits?: Kit[]; store?: MemoryStore; w2Key?: string; waitMs?: number; saved?: Saved; down?: string[] } = {},
): Promise<Bench> {
  const logs = logsOf(`log ${logKeys().logVerifierKey}\nquorum none\n`);
  const kits = opts.kits ?? [await openKit(logs), await openKit(logs)];
  const witnesses = new Map([
    ['http://w1.test', new Witness(logs, kits[0].store, { signerKey: w1.signerKey, clock: () => NOW })],
    ['http://w2.test', new Witness(logs, kits[1].store, { signerKey: opts.w2Key ?? w2.signerKey, clock: () => NOW })],
  ]);
  const down = new Set<string>(opts.down ?? []);
  const warnings: string[] = [];
  const requests: { url: string; body: string }[] = [];
  const post: WitnessPoster = async (url, body) => {
    requests.push({ url, body });
    if (down.has(url)) throw new Error('connection refused');
    const a = await (witnesses.get(url) as Witness).addCheckpoint(new TextEncoder().encode(body));
    return { status: a.status, contentType: a.contentType, body: a.body };
  };
  const { log, store } = await openMemoryLog({
    ...(opts.store === undefined ? {} : { store: opts.store }),
    config: {
      witnessing: {
        policy: policy(quorum),
        intervalMs: 20,
        timeoutMs: 1_000,
        waitMs: opts.waitMs ?? 5_000,
        post,
        warn: (m) => warnings.push(m),
        ...(opts.saved === undefined
          ? {}
          : {
              persistence: {
                load: () => opts.saved?.note,
                save: (note: string) => {
                  (opts.saved as Saved).note = note;
                },
              },
            }),
      },
    },
  });
  const b = { log, store, witnesses, down, warnings, requests, kits };
  open.push(b);
  return b;
}

describe('witnessing loop (log side of tlog-witness)', () => {
  it('with a 2-of-2 quorum publishes only cosigned checkpoints, and receipts verify under that quorum', async () => {
    const { log } = await bench('both');
    const receipts = await log.append([artifact(1), artifact(2), artifact(3)]);
    const p = policy('both');
    for (const r of receipts) {
      const v = verifyReceipt(r.proof, p);
      assert.deepEqual(v.witnesses.map((w) => w.name).sort(), ['w1', 'w2']);
      assert.equal(v.witnesses[0].timestamp, NOW / 1000);
    }
    const published = log.published;
    assert.ok(published !== undefined && published.size >= 3);
    assert.deepEqual([...verifyCheckpointWithPolicy(p, published.note).witnesses.map((w) => w.name)].sort(), ['w1', 'w2']);
    assert.equal(log.readableSize, published.size);
  });

  it('a witness that is down holds publication back: the append answers PUSHBACK, nothing beyond the cosigned size is readable, and a retry after recovery returns the same entry', async () => {
    const b = await bench('both', { waitMs: 300 });
    await b.log.append([artifact(1)]);
    const before = b.log.readableSize;
    b.down.add('http://w2.test');
    await assert.rejects(b.log.append([artifact(2)]), (e) => isStamplogError(e, 'PUSHBACK') && /not yet published/.test(e.message));
    assert.equal(b.log.checkpoint.size, before + 1, 'the entry is logged and signed');
    assert.equal(b.log.readableSize, before, 'but not published');
    assert.equal(b.log.published?.size, before);
    await assert.rejects(b.log.entry(before), (e) => isStamplogError(e, 'NOT_FOUND'));
    assert.throws(() => b.log.inclusionProof(before, before + 1), (e) => isStamplogError(e, 'NOT_FOUND'));
    assert.ok(b.warnings.some((w) => /witness w2 .*connection refused/.test(w)), b.warnings.join('\n'));
    b.down.delete('http://w2.test');
    const [again] = await b.log.append([artifact(2)]);
    assert.equal(again.duplicate, true);
    assert.equal(again.index, before);
    verifyReceipt(again.proof, policy('both'));
  });

  it('a witness that last cosigned a larger tree (the log restarted) is resynchronised from its 409 answer', async () => {
    const first = await bench('both');
    for (let i = 0; i < 5; i++) await first.log.append([artifact(i)]);
    const size = first.log.checkpoint.size;
    const kits = first.kits;
    await first.log.drain();
    await first.store.close();
    open.splice(open.indexOf(first), 1);
    // A new loop over the same witness state: it starts from old size 0, which both witnesses refuse with 409.
    const second = await bench('both', { kits, store: first.store });
    const [r] = await second.log.append([artifact(100)]);
    verifyReceipt(r.proof, policy('both'));
    const resync = second.requests.filter((q) => q.body.startsWith(`old ${size}\n`));
    assert.ok(resync.length >= 2, 'each witness was asked again at the size it holds');
    assert.ok(second.requests.some((q) => q.body.startsWith('old 0\n')));
  });

  it('cosignatures persist: after a restart with every witness down, reads are served at once from the saved checkpoint', async () => {
    const saved: Saved = {};
    const first = await bench('both', { saved });
    for (let i = 0; i < 4; i++) await first.log.append([artifact(i)]);
    const published = first.log.published;
    assert.ok(published !== undefined && saved.note !== undefined, 'the witnessed checkpoint was saved');
    await first.log.drain();
    await first.store.close();
    open.splice(open.indexOf(first), 1);
    const second = await bench('both', { kits: first.kits, store: first.store, saved, down: ['http://w1.test', 'http://w2.test'] });
    assert.equal(second.log.published?.size, published.size, 'published at once, without a witnessing round');
    assert.equal(second.log.readableSize, published.size);
    assert.deepEqual(verifyCheckpointWithPolicy(policy('both'), (second.log.published as { note: string }).note).witnesses.map((w) => w.name).sort(), ['w1', 'w2']);
    await second.log.entry(published.size - 1); // readable
  });

  it('a saved checkpoint that lacks the quorum or is of another tree is not taken back', async () => {
    const saved: Saved = {};
    const first = await bench('both', { saved });
    await first.log.append([artifact(1)]);
    const note = saved.note as string;
    await first.log.drain();
    await first.store.close();
    open.splice(open.indexOf(first), 1);
    // Only the log's own signature and one cosignature: the quorum "both" is not met.
    const lines = note.split('\n');
    saved.note = lines.filter((l) => !l.startsWith('\u2014 w2.example/witness ')).join('\n');
    const second = await bench('both', { kits: first.kits, store: first.store, saved, down: ['http://w1.test', 'http://w2.test'] });
    assert.equal(second.log.published, undefined);
    assert.ok(second.warnings.some((w) => /saved witnessed checkpoint was not taken back/.test(w)), second.warnings.join('\n'));
  });

  it('a witness that cosigned a larger tree than the stored one stops writes with ROLLBACK (the data is stale)', async () => {
    const first = await bench('both');
    for (let i = 0; i < 5; i++) await first.log.append([artifact(i)]);
    const kits = first.kits;
    await first.log.drain();
    open.splice(open.indexOf(first), 1);
    // A restored copy that holds only the first two entries, over the same witness state.
    const restored = await bench('both', { kits, waitMs: 500 });
    await assert.rejects(
      restored.log.append([artifact(0), artifact(1)]),
      (e) => isStamplogError(e, 'ROLLBACK') || isStamplogError(e, 'PUSHBACK'),
    );
    const deadline = Date.now() + 5_000;
    while (restored.log.failure === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(restored.log.failure?.code, 'ROLLBACK');
    assert.match(restored.log.failure?.message ?? '', /cosigned a checkpoint of this log of size 5, beyond the newest this log signed/);
    await assert.rejects(restored.log.append([artifact(9)]), (e) => isStamplogError(e, 'ROLLBACK'));
  });

  it('a cosignature that does not verify under the policy key is not counted', async () => {
    const b = await bench('both', { w2Key: intruder.signerKey, waitMs: 300 });
    await assert.rejects(b.log.append([artifact(1)]), (e) => isStamplogError(e, 'PUSHBACK'));
    assert.equal(b.log.published, undefined);
    assert.ok(b.warnings.some((w) => /witness w2 .*no signature by a known key/.test(w)), b.warnings.join('\n'));
  });

  it('a 1-of-2 quorum is met by the one witness that answers', async () => {
    const b = await bench('w1');
    b.down.add('http://w2.test');
    const [r] = await b.log.append([artifact(7)]);
    assert.deepEqual(verifyReceipt(r.proof, policy('w1')).witnesses.map((w) => w.name), ['w1']);
    assert.throws(() => verifyReceipt(r.proof, policy('both')), (e) => isStamplogError(e, 'POLICY_UNSATISFIED'));
  });

  it('with quorum none, receipts come at once and /checkpoint carries cosignatures once a round covered the newest tree', async () => {
    const b = await bench('none');
    b.down.add('http://w1.test');
    b.down.add('http://w2.test');
    const [r] = await b.log.append([artifact(1)]);
    assert.equal(r.index, 0);
    assert.equal(b.log.readableSize, 1, 'readable at once: publication does not wait for witnesses');
    b.down.clear();
    const deadline = Date.now() + 5_000;
    while (b.log.published?.note === b.log.checkpoint.note && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    const note = b.log.published?.note as string;
    const opened = openNote(note, [cosignatureVerifier(w1.verifierKey), cosignatureVerifier(w2.verifierKey)]);
    assert.equal(opened.verified.length, 2);
    assert.equal(b.log.published?.size, b.log.checkpoint.size);
  });

  it('never asks a witness more often than its cadence, and not at all when nothing changed', async () => {
    const b = await bench('both');
    await b.log.append([artifact(1)]);
    const n = b.requests.length;
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(b.requests.length, n, 'an idle, fully cosigned log sends nothing');
  });

  it('refuses a witness policy that names other logs only, or a witness without a URL', async () => {
    const other = generateCosignerKey('x', new Uint8Array(32).fill(9));
    await assert.rejects(
      openMemoryLog({ config: { witnessing: { policy: parsePolicy(`witness w ${other.verifierKey}\nquorum w\n`) } } }),
      (e) => isStamplogError(e, 'MALFORMED') && /needs an http\(s\) URL/.test(e.message),
    );
    const stranger = logKeys(7).logVerifierKey;
    await assert.rejects(
      openMemoryLog({ config: { witnessing: { policy: parsePolicy(`log ${stranger}\nwitness w ${other.verifierKey} http://x.test\nquorum w\n`) } } }),
      (e) => isStamplogError(e, 'MALFORMED') && /not this log's key/.test(e.message),
    );
  });
});


/**
 * End-to-end tests against the REAL `stamplog serve` process on loopback (issue 3 acceptance): 10,000 appends
 * through HTTP whose receipts all verify offline; the tree rebuilt from entry bundles and every hash tile
 * recomputed locally; inclusion and consistency proofs for random pairs; search finds every entry;
 * deduplication on meaning; graceful shutdown under load; one process per data directory.
 *
 * Everything the server says is checked against what this test computes itself from the printed log key,
 * never against the server's own answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { otherNonceSignature, seededRandom } from '../helpers/crypto.ts';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { parsePolicy } from '../../src/note/policy.ts';
import type { Policy } from '../../src/note/policy.ts';
import { openCheckpoint } from '../../src/note/checkpoint.ts';
import { ed25519NoteVerifier } from '../../src/note/keys.ts';
import { cosignatureTimestamp, cosignatureVerifier } from '../../src/note/cosignature.ts';
import {
  MemoryTree,
  TILE_WIDTH,
  decodeEntryBundle,
  entryBundlePath,
  hashEqual,
  leafHash,
  tileData,
  tilePath,
  tilesForSize,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.ts';
import { ED25519_SMALL_ORDER_ENCODINGS } from '../../src/crypto/ed25519.ts';
import { entryToJSON, fromBase64, statementBytes, submissionToJSON, toBase64, toHex } from '../../src/leaf/index.ts';
import type { Submission, SubmissionJSON } from '../../src/leaf/index.ts';
import {
  appendBatch,
  appendOne,
  getBytes,
  getJson,
  getText,
  makeSubmission,
  makeSubmissionValue,
  mapConcurrent,
  startServer,
  treeSize,
  waitFor,
} from '../helpers/server.ts';
import type { ReceiptJSON, RunningServer } from '../helpers/server.ts';

const TOTAL = 10_000;
const SINGLES = 2_000;
const BATCH = 1_000;
const CONCURRENCY = 32;

const SEED = Number(process.env.STAMPLOG_TEST_SEED ?? Date.now() % 1_000_000);
const rand = seededRandom(SEED);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive

const publisherSeed = (i: number) => new Uint8Array(32).fill(1 + (i % 7));


/** Verifies a receipt offline and checks it says what the server's JSON says and what was submitted. */
function checkReceipt(policy: Policy, r: ReceiptJSON, sub: SubmissionJSON): Uint8Array {
  const v = verifyReceipt(r.proof, policy);
  assert.equal(v.index, r.index, 'receipt index');
  assert.equal(toHex(v.leafHash), r.leafHash, 'receipt leafHash');
  assert.ok(v.checkpoint.size > r.index, 'checkpoint covers the index');
  const entry = entryToJSON(v.entry);
  assert.deepEqual(entry, r.entry, 'decoded leaf = JSON entry');
  const { v: _v, time, ...rest } = entry;
  assert.equal(typeof time, 'number');
  assert.deepEqual(rest, sub, `entry ${r.index} is what was submitted`);
  return v.leaf;
}

describe('stamplog serve end to end', { timeout: 120_000 }, () => {
  let srv: RunningServer;
  let policy: Policy;
  /** By index: what was submitted, its receipt, and the leaf bytes from the verified receipt. */
  const subs: SubmissionJSON[] = [];
  const receipts: ReceiptJSON[] = [];
  const leaves: Uint8Array[] = [];
  let tree: MemoryTree;
  let size = 0;

  before(async () => {
    srv = await startServer();
    policy = parsePolicy(`log ${srv.logKey}\nquorum none\n`);
  });
  after(async () => {
    await srv?.kill();
  });

  it('starts with a signed empty checkpoint', async () => {
    const r = await getText(srv, '/checkpoint');
    assert.equal(r.status, 200);
    const { checkpoint } = openCheckpoint(r.text, ed25519NoteVerifier(srv.logKey));
    assert.equal(checkpoint.size, 0);
    assert.equal(toHex(checkpoint.rootHash), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it(`appends ${TOTAL} entries (singles at concurrency ${CONCURRENCY} alongside batches of ${BATCH}) and every receipt verifies offline`, async () => {
    const all: { sub: SubmissionJSON; r: ReceiptJSON }[] = [];
    // Every third submission carries a publisher signature (seven publisher keys).
    const mk = (i: number) => makeSubmission(i, i % 3 === 0 ? { seed: publisherSeed(i) } : {});
    const singles = Array.from({ length: SINGLES }, (_, k) => mk(k));
    const batches = Array.from({ length: (TOTAL - SINGLES) / BATCH }, (_, b) => Array.from({ length: BATCH }, (_, k) => mk(SINGLES + b * BATCH + k)));
    await Promise.all([
      mapConcurrent(singles, CONCURRENCY, async (sub) => {
        const res = await appendOne(srv, sub);
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.duplicate, false);
        all.push({ sub, r: res.body });
      }),
      mapConcurrent(batches, 2, async (batch) => {
        const res = await appendBatch(srv, batch);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.receipts.length, batch.length);
        // Receipts in order, consecutive indexes within one request.
        res.body.receipts.forEach((r, k) => {
          assert.equal(r.duplicate, false);
          if (k > 0) assert.equal(r.index, res.body.receipts[k - 1].index + 1);
          all.push({ sub: batch[k], r });
        });
      }),
    ]);
    assert.equal(all.length, TOTAL);
    for (const { sub, r } of all) {
      assert.equal(subs[r.index], undefined, `index ${r.index} handed out twice`);
      subs[r.index] = sub;
      receipts[r.index] = r;
    }
    for (let i = 0; i < TOTAL; i++) {
      assert.ok(receipts[i] !== undefined, `no receipt for index ${i}`);
      leaves[i] = checkReceipt(policy, receipts[i], subs[i]);
    }
    size = await treeSize(srv);
    assert.equal(size, TOTAL);
  });

  it('serves a checkpoint signed by the log key, with a signed time, and short cache headers', async () => {
    const r = await getText(srv, '/checkpoint');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const maxAge = Number(/max-age=(\d+)/.exec(r.headers.get('cache-control') ?? '')?.[1]);
    assert.ok(maxAge >= 0 && maxAge <= 10, `checkpoint max-age ${maxAge}`);
    const tsVerifier = cosignatureVerifier(srv.timestampKey);
    const opened = openCheckpoint(r.text, ed25519NoteVerifier(srv.logKey), { verifiers: [tsVerifier] });
    assert.equal(opened.checkpoint.size, TOTAL);
    assert.equal(opened.checkpoint.origin, 'example.test/log');
    const ts = opened.note.verified.find((s) => s.verifier === tsVerifier);
    assert.ok(ts !== undefined, 'the checkpoint carries the timestamp cosignature');
    const t = cosignatureTimestamp(ts.signature);
    assert.ok(Math.abs(t - Date.now() / 1000) < 600, 'the signed time is now');
    // Every leaf time is at or before the tree head's time (second resolution).
    for (const r2 of receipts) assert.ok(Math.floor(r2.entry.time / 1000) <= t);
    const info = await getJson<{ origin: string; size: number; logKey: string; timestampKey: string; rootHash: string }>(srv, '/api/v1/log');
    assert.equal(info.status, 200);
    assert.deepEqual([info.body.origin, info.body.size, info.body.logKey, info.body.timestampKey], ['example.test/log', TOTAL, srv.logKey, srv.timestampKey]);
    assert.equal(info.body.rootHash, toHex(opened.checkpoint.rootHash));
  });

  it('rebuilds the checkpoint root from the entry bundles (full and final partial)', async () => {
    const cp = openCheckpoint((await getText(srv, '/checkpoint')).text, ed25519NoteVerifier(srv.logKey)).checkpoint;
    tree = new MemoryTree(cp.size);
    const full = Math.floor(cp.size / TILE_WIDTH);
    const rest = cp.size % TILE_WIDTH;
    const tiles = Array.from({ length: full + (rest > 0 ? 1 : 0) }, (_, n) => ({ level: 0, index: n, width: n < full ? TILE_WIDTH : rest }));
    const bundles = await mapConcurrent(tiles, 8, async (t) => {
      const r = await getBytes(srv, `/${entryBundlePath(t)}`);
      assert.equal(r.status, 200, entryBundlePath(t));
      const cc = r.headers.get('cache-control') ?? '';
      if (t.width === TILE_WIDTH) assert.match(cc, /immutable/, `${entryBundlePath(t)}: ${cc}`);
      else assert.doesNotMatch(cc, /immutable/, `${entryBundlePath(t)}: ${cc}`);
      return decodeEntryBundle(r.bytes, t.width);
    });
    let i = 0;
    for (const bundle of bundles) {
      for (const leaf of bundle) {
        assert.ok(hashEqual(leaf, leaves[i]), `bundle leaf ${i} = receipt leaf`);
        tree.append(leaf);
        i++;
      }
    }
    assert.equal(tree.size, cp.size);
    assert.ok(hashEqual(tree.root(), cp.rootHash), 'root rebuilt from bundles = checkpoint root');
  });

  it('serves every hash tile of the tree equal to the one recomputed locally', async () => {
    const tiles = tilesForSize(size);
    assert.ok(tiles.some((t) => t.level === 1) && tiles.some((t) => t.width < TILE_WIDTH));
    // Also an older (narrower) partial tile: its content is fixed, so it is served too.
    tiles.push({ level: 0, index: Math.floor(size / TILE_WIDTH), width: 1 });
    await mapConcurrent(tiles, 8, async (t) => {
      const r = await getBytes(srv, `/${tilePath(t)}`);
      assert.equal(r.status, 200, tilePath(t));
      assert.equal(r.headers.get('content-type'), 'application/octet-stream');
      const cc = r.headers.get('cache-control') ?? '';
      if (t.width === TILE_WIDTH) assert.match(cc, /max-age=\d{7,}.*immutable|immutable.*max-age=\d{7,}/, `${tilePath(t)}: ${cc}`);
      else assert.doesNotMatch(cc, /immutable/);
      assert.ok(hashEqual(r.bytes, tileData(t, tree)), `${tilePath(t)} = recomputed`);
    });
  });

  it('answers inclusion proofs by index and by leaf hash that verify, for 200 random pairs', async () => {
    const pairs = Array.from({ length: 200 }, (_, k) => {
      const s = k === 0 ? size : randInt(1, size);
      return { size: s, index: k === 1 ? s - 1 : randInt(0, s - 1), byHash: k % 4 === 3, explicitSize: k !== 2 };
    });
    await mapConcurrent(pairs, 16, async (p) => {
      const q = p.byHash ? `leafHash=${receipts[p.index].leafHash}` : `index=${p.index}`;
      const path = `/api/v1/proofs/inclusion?${q}${p.explicitSize ? `&size=${p.size}` : ''}`;
      const r = await getJson<{ index: number; size: number; proof: string[] }>(srv, path);
      assert.equal(r.status, 200, `${path}: ${r.text} (seed ${SEED})`);
      const s = p.explicitSize ? p.size : size;
      assert.equal(r.body.index, p.index);
      assert.equal(r.body.size, s);
      const proof = r.body.proof.map((b) => fromBase64(b, 32) ?? assert.fail(`bad proof hash ${b}`));
      verifyInclusion(leafHash(leaves[p.index]), p.index, s, proof, tree.rootAt(s));
    });
  });

  it('answers consistency proofs that verify, for 200 random pairs', async () => {
    const pairs = Array.from({ length: 200 }, (_, k) => {
      const to = k < 20 ? size : randInt(1, size);
      const from = k % 10 === 5 ? to : randInt(1, to);
      return { from, to };
    });
    pairs.push({ from: 1, to: 1 }, { from: 1, to: size }, { from: size, to: size });
    await mapConcurrent(pairs, 16, async ({ from, to }) => {
      const path = `/api/v1/proofs/consistency?from=${from}&to=${to}`;
      const r = await getJson<{ from: number; to: number; proof: string[] }>(srv, path);
      assert.equal(r.status, 200, `${path}: ${r.text} (seed ${SEED})`);
      assert.deepEqual([r.body.from, r.body.to], [from, to]);
      if (from === to) assert.deepEqual(r.body.proof, []);
      const proof = r.body.proof.map((b) => fromBase64(b, 32) ?? assert.fail(`bad proof hash ${b}`));
      verifyConsistency(from, to, proof, tree.rootAt(from), tree.rootAt(to));
    });
  });

  it('returns the right leaf from /api/v1/entries/<index>', async () => {
    const idx = [0, size - 1, ...Array.from({ length: 300 }, () => randInt(0, size - 1))];
    await mapConcurrent(idx, 16, async (i) => {
      const r = await getJson<{ index: number; leaf: string; leafHash: string; entry: unknown }>(srv, `/api/v1/entries/${i}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.index, i);
      assert.equal(r.body.leaf, toBase64(leaves[i]));
      assert.equal(r.body.leafHash, receipts[i].leafHash);
      assert.deepEqual(r.body.entry, receipts[i].entry);
    });
  });

  it('finds entries by sha256, and every entry by project through the pages', async () => {
    type Page = { entries: { index: number; leafHash: string; entry: { subject: SubmissionJSON['subject'] } }[]; next: number | null };
    const indexes = Array.from({ length: size }, (_, i) => i);
    // By digest: every fifth entry (plus the last), to keep the run short; the project scan below covers all.
    await mapConcurrent([...indexes.filter((i) => i % 5 === 0), size - 1], CONCURRENCY, async (i) => {
      const r = await getJson<Page>(srv, `/api/v1/search?sha256=${subs[i].subject.sha256}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(
        r.body.entries.map((e) => e.index),
        [i],
      );
      assert.equal(r.body.entries[0].leafHash, receipts[i].leafHash);
      assert.equal(r.body.next, null);
    });
    const projects = [...new Set(subs.map((s) => s.subject.project))];
    const seen = new Set<number>();
    await mapConcurrent(projects, 8, async (project) => {
      const want = indexes.filter((i) => subs[i].subject.project === project);
      const got: number[] = [];
      let after: number | null = null;
      for (let page = 0; page < 1000; page++) {
        const r: Awaited<ReturnType<typeof getJson<Page>>> = await getJson<Page>(
          srv,
          `/api/v1/search?project=${encodeURIComponent(project)}${after === null ? '' : `&after=${after}`}`,
        );
        assert.equal(r.status, 200, r.text);
        assert.ok(r.body.entries.length <= 100);
        for (const e of r.body.entries) {
          assert.equal(e.entry.subject.project, project);
          got.push(e.index);
        }
        after = r.body.next;
        if (after === null) break;
      }
      assert.deepEqual(got, want, `project ${project}: all entries, ascending, once`);
      for (const i of got) seen.add(i);
    });
    assert.equal(seen.size, size);
  });

  it('finds entries by filename and by project and version, with small pages', async () => {
    type Page = { entries: { index: number }[]; next: number | null };
    const sample = Array.from({ length: 150 }, () => randInt(0, size - 1));
    await mapConcurrent(sample, 16, async (i) => {
      const s = subs[i].subject;
      const byName = await getJson<Page>(srv, `/api/v1/search?filename=${encodeURIComponent(s.filename)}`);
      assert.equal(byName.status, 200, byName.text);
      assert.deepEqual(
        byName.body.entries.map((e) => e.index),
        [i],
      );
      const byVersion = await getJson<Page>(srv, `/api/v1/search?project=${encodeURIComponent(s.project)}&version=${encodeURIComponent(s.version)}`);
      assert.equal(byVersion.status, 200, byVersion.text);
      assert.ok(byVersion.body.entries.some((e) => e.index === i));
    });
    // Pages of 7 via limit, following next: the same list as one scan.
    const project = subs[0].subject.project;
    const want = subs.flatMap((s, i) => (s.subject.project === project ? [i] : []));
    const got: number[] = [];
    let after = -1;
    for (let page = 0; page < 1000 && after !== null; page++) {
      const r = await getJson<Page>(srv, `/api/v1/search?project=${project}&limit=7${after >= 0 ? `&after=${after}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.entries.length <= 7);
      got.push(...r.body.entries.map((e) => e.index));
      if (r.body.next === null) break;
      assert.equal(r.body.next, got[got.length - 1]);
      after = r.body.next;
    }
    assert.deepEqual(got, want);
  });

  describe('deduplication', () => {
    it('answers an identical resubmission with 200, the original index and duplicate: true', async () => {
      for (const i of [0, 1, 2, 4242, TOTAL - 1]) {
        const r = await appendOne(srv, subs[i]);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.duplicate, true);
        assert.equal(r.body.index, i);
        assert.equal(r.body.leafHash, receipts[i].leafHash);
        checkReceipt(policy, r.body, subs[i]);
      }
      assert.equal(await treeSize(srv), size);
    });

    it('does not log the same artifact and publisher key with another valid signature encoding', async () => {
      const seed = new Uint8Array(32).fill(0x5a);
      const sub: Submission = makeSubmissionValue(0, { seed, salt: 'dedup-sig' });
      const first = await appendOne(srv, submissionToJSON(sub));
      assert.equal(first.status, 201, first.text);
      const other = otherNonceSignature(seed, statementBytes(sub), 0x1234567890abcdefn);
      assert.notEqual(toHex(other), toHex(sub.sig!.sig));
      const resub = submissionToJSON({ ...sub, sig: { ...sub.sig!, sig: other } });
      const second = await appendOne(srv, resub);
      assert.equal(second.status, 200, second.text);
      assert.equal(second.body.duplicate, true);
      assert.equal(second.body.index, first.body.index);
      // The leaf is the original one, with the original signature.
      assert.equal(second.body.entry.sig && (second.body.entry.sig as { sig: string }).sig, toBase64(sub.sig!.sig));
      verifyReceipt(second.body.proof, policy);
      // A different key over the same artifact IS a new entry (another signer's statement).
      const third = await appendOne(srv, submissionToJSON(makeSubmissionValue(0, { seed: new Uint8Array(32).fill(0x5b), salt: 'dedup-sig' })));
      assert.equal(third.status, 201, third.text);
      assert.equal(third.body.index, first.body.index + 1);
      size = await treeSize(srv);
    });

    it('refuses small-order and non-canonical publisher keys with 422 and logs nothing', async () => {
      const sub = makeSubmission(1, { salt: 'bad-key' });
      const identity = Buffer.from(ED25519_SMALL_ORDER_ENCODINGS[0], 'hex');
      const forgedSig = Buffer.concat([identity, Buffer.alloc(32)]).toString('base64');
      const keys = [
        ...ED25519_SMALL_ORDER_ENCODINGS.slice(0, 3).map((h) => Buffer.from(h, 'hex').toString('base64')),
        Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex').toString('base64'),
      ];
      for (const key of keys) {
        const r = await appendOne(srv, { ...sub, sig: { alg: 'ed25519', key, sig: forgedSig } });
        assert.equal(r.status, 422, `${key}: ${r.text}`);
        assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.match((r.body as unknown as { detail: string }).detail, /sig\.key/);
      }
      assert.equal(await treeSize(srv), size);
    });

    it('marks exactly the duplicate receipt in a batch', async () => {
      const fresh = Array.from({ length: 5 }, (_, k) => makeSubmission(k, { salt: 'batch-dup' }));
      const batch = [fresh[0], fresh[1], subs[777], fresh[2], fresh[3], fresh[4]];
      const r = await appendBatch(srv, batch);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(
        r.body.receipts.map((x) => x.duplicate),
        [false, false, true, false, false, false],
      );
      assert.equal(r.body.receipts[2].index, 777);
      assert.deepEqual(
        r.body.receipts.filter((x) => !x.duplicate).map((x) => x.index),
        [size, size + 1, size + 2, size + 3, size + 4],
      );
      r.body.receipts.forEach((x, k) => checkReceipt(policy, x, batch[k]));
      // The same submission twice within one batch: one leaf, the second answer a duplicate.
      const twice = makeSubmission(0, { salt: 'batch-twice' });
      const r2 = await appendBatch(srv, [twice, twice]);
      assert.equal(r2.status, 200, r2.text);
      assert.deepEqual(
        r2.body.receipts.map((x) => [x.index, x.duplicate]),
        [
          [size + 5, false],
          [size + 5, true],
        ],
      );
      size = await treeSize(srv);
      assert.equal(size, r2.body.receipts[0].index + 1);
    });
  });
});

describe('graceful shutdown', { timeout: 60_000 }, () => {
  it('on SIGTERM under load: exits 0, and every request answered 2xx is in the log after restart', async () => {
    const srv = await startServer();
    let restarted: RunningServer | undefined;
    try {
      const policy = parsePolicy(`log ${srv.logKey}\nquorum none\n`);
      const acked: ReceiptJSON[] = [];
      let next = 0;
      let stop = false;
      let failures = 0;
      let inFlight = 0;
      // Writers keep appending (singles and small batches) until their requests start failing.
      const writer = async (batchy: boolean) => {
        for (let n = 0; n < 100_000 && !stop; n++) {
          const base = next;
          next += batchy ? 20 : 1;
          inFlight++;
          try {
            if (batchy) {
              const r = await appendBatch(srv, Array.from({ length: 20 }, (_, k) => makeSubmission(base + k)));
              if (r.status === 200) acked.push(...r.body.receipts);
              else failures++;
            } else {
              const r = await appendOne(srv, makeSubmission(base));
              if (r.status === 201) acked.push(r.body);
              else failures++;
            }
          } catch {
            failures++;
          } finally {
            inFlight--;
          }
          if (failures > 0 && srv.child.exitCode !== null) break;
        }
      };
      const writers = Array.from({ length: 24 }, (_, k) => writer(k % 4 === 0));
      // Signal once appends are flowing (polled, bounded).
      const deadline = Date.now() + 15_000;
      while (acked.length < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.ok(acked.length >= 500, 'appends are flowing before SIGTERM');
      const inFlightAtSignal = inFlight;
      const ackedAtSignal = acked.length;
      const code = await srv.stop('SIGTERM');
      stop = true;
      await Promise.all(writers);
      assert.equal(code, 0, srv.output());
      assert.match(srv.output(), /"msg":"stopped"/);
      assert.ok(inFlightAtSignal > 0, 'requests were in flight when the signal was sent');
      if (process.env.STAMPLOG_TEST_VERBOSE) console.log({ inFlightAtSignal, ackedAtSignal, acked: acked.length, failures });

      restarted = await startServer({ dataDir: srv.dataDir });
      assert.equal(restarted.logKey, srv.logKey, 'the same log key after restart');
      const size = await treeSize(restarted);
      const cpText = (await getText(restarted, '/checkpoint')).text;
      const cp = openCheckpoint(cpText, ed25519NoteVerifier(srv.logKey)).checkpoint;
      assert.equal(cp.size, size);
      const byIndex = new Map<number, string>();
      for (const r of acked) {
        assert.ok(r.index < size, `acknowledged index ${r.index} is in the restarted log of size ${size}`);
        const prev = byIndex.get(r.index);
        assert.ok(prev === undefined || prev === r.leafHash, `index ${r.index} acknowledged with two leaves`);
        byIndex.set(r.index, r.leafHash);
        verifyReceipt(r.proof, policy);
      }
      // Every acknowledged leaf is at its index in the restarted log (checked through a fresh proof against the new checkpoint).
      await mapConcurrent([...byIndex], 16, async ([index, hash]) => {
        const p = await getJson<{ proof: string[] }>(restarted!, `/api/v1/proofs/inclusion?index=${index}&size=${size}`);
        assert.equal(p.status, 200, p.text);
        const proof = p.body.proof.map((b) => fromBase64(b, 32)!);
        verifyInclusion(Buffer.from(hash, 'hex'), index, size, proof, cp.rootHash);
      });
    } finally {
      await restarted?.stop('SIGKILL');
      await srv.kill();
    }
  });
});

describe('shutdown with a busy keep-alive connection', { timeout: 60_000 }, () => {
  it('exits promptly even while a client keeps sending on a connection that was busy at SIGTERM', async () => {
    const srv = await startServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const get = (path: string) =>
        new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
          const r = httpRequest({ host: '127.0.0.1', port: srv.port, path, agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          });
          r.on('error', reject);
          r.end();
        });
      assert.equal((await get('/healthz')).status, 200);
      // A request in flight at SIGTERM (its body not yet complete) keeps the connection busy through the drain.
      const body = Buffer.from(JSON.stringify(makeSubmission(1)));
      const pending = new Promise<number>((resolve, reject) => {
        const r = httpRequest(
          {
            host: '127.0.0.1',
            port: srv.port,
            method: 'POST',
            path: '/api/v1/entries',
            agent,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${srv.token}`,
              'content-length': String(body.length),
              // The server answers 100 Continue once it has the request head: then the request is surely in flight.
              expect: '100-continue',
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        r.on('error', reject);
        r.on('continue', () => {
          r.write(body.subarray(0, 10));
          srv.child.kill('SIGTERM');
          void waitFor(() => /SIGTERM: draining/.test(srv.output()), 'the server to start draining').then(
            () => setTimeout(() => r.end(body.subarray(10)), 200),
            reject,
          );
        });
        r.flushHeaders();
      });
      const status = await pending;
      assert.ok(status === 201 || status === 503, `in-flight append answered ${status}`);
      // Now keep the same connection busy, as a retrying client or a polling monitor would.
      let answers = 0;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && srv.child.exitCode === null) {
        try {
          await get('/healthz');
          answers++;
        } catch {
          break; // the server closed the connection and no longer listens
        }
      }
      const code = await Promise.race([srv.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 5_000))]);
      assert.equal(code, 0, `exit after SIGTERM (answered ${answers} requests on the kept-alive connection meanwhile)\n${srv.output()}`);
      assert.ok(answers <= 1, `the connection was closed after its next answer, not after ${answers}`);
    } finally {
      agent.destroy();
      await srv.kill();
    }
  });
});

describe('one process per data directory', { timeout: 60_000 }, () => {
  it('refuses a second server on the same data directory with a non-zero exit and a clear message', async () => {
    const first = await startServer();
    try {
      const r = await appendOne(first, makeSubmission(1));
      assert.equal(r.status, 201);
      await assert.rejects(startServer({ dataDir: first.dataDir }), (e: Error) => {
        assert.match(e.message, /exited \(code [1-9]\d*\) before listening/);
        assert.match(e.message, /cannot start: .*(lock|in use|another)/i);
        return true;
      });
      // The first one is unaffected.
      assert.equal((await appendOne(first, makeSubmission(2))).status, 201);
      assert.equal(await treeSize(first), 2);
    } finally {
      await first.kill();
    }
  });
});

/**
 * The trust store in-process (no server): trust on first use, consistency in every direction, refusals with
 * evidence, atomic pin files; plus the parsers of the policy flags.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryTree } from '../../src/merkle/memory.ts';
import { signCheckpoint } from '../../src/note/checkpoint.ts';
import { ed25519NoteSigner, generateSignerKey } from '../../src/note/keys.ts';
import { TrustStore, defaultTrustHome } from '../../src/client/truststore.ts';
import { failedCheck } from '../../src/verify/failure.ts';
import { formatDuration, parseDuration, parsePublisherPin, parseVetters } from '../../src/verify/requirements.ts';
import { generateKeyPair } from '../../src/verify/keys.ts';
import { ServerError } from '../../src/client/http.ts';
import { removeDir, tempDir } from '../helpers/server.ts';

const ORIGIN = 'unit.example/log';
const key = generateSignerKey(ORIGIN, new Uint8Array(32).fill(9));
const signer = ed25519NoteSigner(key.signerKey);

/** A log of `n` leaves tagged `tag`, with its signed checkpoints and a prover. */
function log(tag: string, n: number) {
  const tree = new MemoryTree();
  for (let i = 0; i < n; i++) tree.append(new TextEncoder().encode(`${tag}-${i}`));
  const note = (size: number) => signCheckpoint({ origin: ORIGIN, size, rootHash: tree.rootAt(size) }, [signer]);
  const prove = async (from: number, to: number) => {
    if (to > tree.size) throw new ServerError('NOT_FOUND', `size ${to} is beyond the published tree size`, 404);
    return tree.proveConsistency(from, to);
  };
  return { tree, note, prove };
}

const rejects = (check: string, pattern: RegExp) => (e: unknown) => failedCheck(e) === check && pattern.test((e as Error).message);

describe('TrustStore', () => {
  const dirs: string[] = [];
  const store = () => {
    const d = tempDir('stamplog-trust-');
    dirs.push(d);
    return new TrustStore(join(d, 'home'));
  };
  after(() => dirs.forEach(removeDir));

  it('pins the key on first use and refuses another key for the origin later', async () => {
    const s = store();
    assert.deepEqual(await s.pinKey(ORIGIN, key.verifierKey), { logKey: key.verifierKey, firstUse: true });
    assert.deepEqual(await s.pinKey(ORIGIN, key.verifierKey), { logKey: key.verifierKey, firstUse: false });
    const other = generateSignerKey(ORIGIN, new Uint8Array(32).fill(10)).verifierKey;
    await assert.rejects(s.pinKey(ORIGIN, other), rejects('consistency', /now announces the key/));
    await assert.rejects(store().pinKey(ORIGIN, generateSignerKey('another.origin', new Uint8Array(32)).verifierKey), rejects('log-signature', /not named after/));
  });

  it('advances only through verified consistency proofs, in both directions', async () => {
    const s = store();
    const l = log('x', 40);
    await s.pinKey(ORIGIN, key.verifierKey);
    assert.equal((await s.observe(ORIGIN, l.note(5), l.prove)).advanced, true);
    assert.equal((await s.observe(ORIGIN, l.note(17), l.prove)).advanced, true);
    const older = await s.observe(ORIGIN, l.note(9), l.prove); // an older receipt, proven a prefix
    assert.equal(older.advanced, false);
    assert.equal(older.previous?.size, 17);
    assert.equal((await s.observe(ORIGIN, l.note(17), l.prove)).advanced, false);
    assert.equal((await s.observe(ORIGIN, l.note(0), l.prove)).advanced, false);
    assert.equal((await s.observe(ORIGIN, l.note(40), l.prove)).advanced, true);
    const pin = JSON.parse(readFileSync(s.pinPath(ORIGIN), 'utf8')) as { checkpoint: string };
    assert.equal(pin.checkpoint, l.note(40));
    assert.deepEqual(readdirSync(join(s.dir, 'logs')).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
  });

  it('refuses a fork (bigger, equal or smaller), saves the evidence, and keeps the pin', async () => {
    const s = store();
    const honest = log('x', 20);
    const fork = log('y', 20);
    await s.pinKey(ORIGIN, key.verifierKey);
    await s.observe(ORIGIN, honest.note(10), honest.prove);
    const before = readFileSync(s.pinPath(ORIGIN), 'utf8');
    await assert.rejects(s.observe(ORIGIN, fork.note(15), fork.prove), rejects('consistency', /consistency proof from size 10 to 15 does not verify/));
    await assert.rejects(s.observe(ORIGIN, fork.note(10), fork.prove), rejects('consistency', /two different roots for the same tree size 10/));
    await assert.rejects(s.observe(ORIGIN, fork.note(4), fork.prove), rejects('consistency', /from size 4 to 10 does not verify/));
    const small = log('x', 6); // the honest log's prefix, now serving only 6 leaves: a rollback
    await assert.rejects(s.observe(ORIGIN, small.note(6), small.prove), rejects('consistency', /cannot prove that its tree of 6 leaves is a prefix of the tree of 10/));
    const e = await s.observe(ORIGIN, fork.note(15), fork.prove).catch((x: unknown) => x as Error);
    assert.ok(e instanceof Error && e.message.includes(honest.note(10).split('\n')[2]) && e.message.includes(fork.note(15).split('\n')[2]), 'both checkpoints printed');
    assert.equal(readFileSync(s.pinPath(ORIGIN), 'utf8'), before);
    assert.equal(readdirSync(join(s.dir, 'evidence')).length, 5);
  });

  it('refuses a checkpoint the pinned key did not sign, and a prover that lies about the proof', async () => {
    const s = store();
    await s.pinKey(ORIGIN, key.verifierKey);
    const mallory = ed25519NoteSigner(generateSignerKey(ORIGIN, new Uint8Array(32).fill(11)).signerKey);
    const forged = signCheckpoint({ origin: ORIGIN, size: 1, rootHash: new Uint8Array(32) }, [mallory]);
    await assert.rejects(s.observe(ORIGIN, forged, log('x', 1).prove), rejects('log-signature', /no signature by a known key/));
    const l = log('x', 8);
    await s.observe(ORIGIN, l.note(3), l.prove);
    const lying = async (a: number, b: number) => (await l.prove(a, b)).map((h) => h.map((x) => x ^ 1));
    await assert.rejects(s.observe(ORIGIN, l.note(8), lying), rejects('consistency', /does not verify/));
  });

  it('a server that cannot be reached is a server failure, not inconsistency', async () => {
    const s = store();
    const l = log('x', 8);
    await s.pinKey(ORIGIN, key.verifierKey);
    await s.observe(ORIGIN, l.note(3), l.prove);
    const down = () => Promise.reject(new ServerError('INTERNAL', 'cannot reach the log', undefined));
    await assert.rejects(s.observe(ORIGIN, l.note(8), down), (e) => failedCheck(e) === 'server');
  });

  it('lives in $STAMPLOG_HOME, else $XDG_CONFIG_HOME/stamplog, else ~/.config/stamplog', () => {
    assert.equal(defaultTrustHome({ STAMPLOG_HOME: '/x/y' }), '/x/y');
    assert.equal(defaultTrustHome({ XDG_CONFIG_HOME: '/cfg' }), '/cfg/stamplog');
    assert.match(defaultTrustHome({}), /\.config\/stamplog$/);
  });

  it('pin files are written atomically and are private to the user', async () => {
    const s = store();
    await s.pinKey(ORIGIN, key.verifierKey);
    assert.equal(statSync(join(s.dir, 'logs')).mode & 0o077, 0);
  });
});

describe('policy flag parsers', () => {
  const k = generateKeyPair('publisher', 'p.example', new Uint8Array(32).fill(3));
  const raw = k.verifierKey.split('+')[2];
  const b64 = Buffer.from(raw, 'base64').subarray(1).toString('base64');

  it('publisher pins: a verifier key, a base64 key, with or without project=', () => {
    assert.equal(parsePublisherPin(k.verifierKey).project, undefined);
    assert.equal(Buffer.from(parsePublisherPin(b64).key).toString('base64'), b64);
    assert.equal(parsePublisherPin(`demo=${k.verifierKey}`).project, 'demo');
    assert.equal(parsePublisherPin(`demo=${b64}`).project, 'demo');
    assert.throws(() => parsePublisherPin('nonsense'), (e) => failedCheck(e) === 'usage');
    const witness = generateKeyPair('witness', 'w.example', new Uint8Array(32).fill(4)).verifierKey;
    assert.throws(() => parsePublisherPin(witness), /0x01|Ed25519/);
  });

  it('vetters: k of distinct keys, k within bounds', () => {
    const k2 = generateKeyPair('vetter', 'v.example', new Uint8Array(32).fill(5)).verifierKey;
    const v = parseVetters(`2:${k.verifierKey},${k2}`);
    assert.equal(v.threshold, 2);
    assert.equal(v.keys.length, 2);
    assert.throws(() => parseVetters(`2:${k.verifierKey},${b64}`), /cannot be met/); // the same key twice
    assert.throws(() => parseVetters(`0:${k.verifierKey}`), /expected/);
    assert.throws(() => parseVetters(k.verifierKey), /expected/);
  });

  it('durations', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('72h'), 72 * 3_600_000);
    assert.equal(parseDuration('7d'), 7 * 86_400_000);
    for (const bad of ['', '7', 'd', '1.5h', '-1h', ' 1h', '1H']) assert.throws(() => parseDuration(bad), /duration/, bad);
    assert.equal(formatDuration(90_061_000), '1d 1h');
    assert.equal(formatDuration(500), '0s');
  });
});

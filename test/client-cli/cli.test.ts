/**
 * The client commands end to end, against REAL `stamplog serve` processes: keygen → append (signed) →
 * verify offline → check online, sign and vet, and each failure with its own message and exit status.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, removeDir } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { parseTlogProof, formatTlogProof } from '../../src/note/tlogproof.ts';
import { stamplog, show } from './helpers.ts';
import type { CliResult } from './helpers.ts';

describe('stamplog client commands against a real server', () => {
  let srv: RunningServer;
  let other: RunningServer;
  let dir: string;
  let home: string;
  const run = (args: string[], env: Record<string, string> = {}) => stamplog(args, { home, env });
  const expect = (r: CliResult, code: number, pattern?: RegExp) => {
    assert.equal(r.code, code, show(r));
    if (pattern !== undefined) assert.match(r.stdout + r.stderr, pattern, show(r));
  };
  const key = (name: string) => readFileSync(join(dir, `${name}.key.pub`), 'utf8').trim();
  let sdist: string;
  let wheel: string;

  before(async () => {
    dir = tempDir('stamplog-cli-');
    home = join(dir, 'home');
    [srv, other] = await Promise.all([startServer(), startServer()]); // same origin, different keys
    sdist = join(dir, 'demo-1.0.tar.gz');
    wheel = join(dir, 'demo-1.0-py3-none-any.whl');
    writeFileSync(sdist, 'the demo sdist\n');
    writeFileSync(wheel, 'the demo wheel\n');
  });
  after(async () => {
    await Promise.all([srv?.kill(), other?.kill()]);
    removeDir(dir);
  });

  it('keygen writes a 0600 signer key and a .pub verifier key, prints the verifier key, and never overwrites', async () => {
    const made = [
      ['publisher', 'alice'],
      ['publisher', 'mallory'],
      ['vetter', 'vet1'],
      ['vetter', 'vet2'],
      ['witness', 'witness1'],
    ];
    const results = await Promise.all(made.map(([type, name]) => run(['keygen', '--type', type, '--name', `${name}.example`, '--out', join(dir, `${name}.key`)])));
    for (const [i, [type, name]] of made.entries()) {
      const r = results[i];
      expect(r, 0);
      const pub = key(name);
      assert.equal(r.stdout.trim(), pub);
      assert.match(pub, new RegExp(`^${name}\\.example\\+[0-9a-f]{8}\\+A[A-Za-z0-9+/]{43}$`.replace('+A', type === 'witness' ? '+B' : '+A')));
      assert.match(readFileSync(join(dir, `${name}.key`), 'utf8'), /^PRIVATE\+KEY\+/);
      assert.equal(statSync(join(dir, `${name}.key`)).mode & 0o777, 0o600);
    }
    const before = readFileSync(join(dir, 'alice.key'), 'utf8');
    expect(await run(['keygen', '--type', 'publisher', '--name', 'x', '--out', join(dir, 'alice.key')]), 2, /refusing to overwrite/);
    assert.equal(readFileSync(join(dir, 'alice.key'), 'utf8'), before);
    expect(await run(['keygen', '--type', 'wizard', '--name', 'x', '--out', join(dir, 'w.key')]), 2, /--type/);
    expect(await run(['keygen', '--type', 'log', '--name', 'bad name', '--out', join(dir, 'w.key')]), 2, /--name/);
  });

  it('append signs, logs, verifies the receipts, pins the log key on first use and writes <file>.tlog-proof', async () => {
    const r = await run(['append', sdist, wheel, '--project', 'demo', '--version', '1.0', '--log', srv.url, '--sign-key', join(dir, 'alice.key')], {
      STAMPLOG_TOKEN: srv.token,
    });
    expect(r, 0, /logged .*demo-1\.0\.tar\.gz at index 0 signed by alice\.example/);
    assert.match(r.stderr, new RegExp(`pinned the key of the log example\\.test/log on first use: ${srv.logKey.replace(/[+/]/g, '\\$&')}`));
    assert.ok(existsSync(`${sdist}.tlog-proof`) && existsSync(`${wheel}.tlog-proof`));
    // Appending the same file again is no new entry.
    const again = await run(['append', sdist, '--project', 'demo', '--version', '1.0', '--log', srv.url, '--token', srv.token, '--sign-key', join(dir, 'alice.key')]);
    expect(again, 0, /already logged .* at index 0/);
    assert.doesNotMatch(again.stderr, /first use/);
  });

  it('verify passes offline with the pinned key, a policy file, a pinned publisher key and a minimum age', async () => {
    const policy = join(dir, 'policy.txt');
    writeFileSync(policy, `log ${srv.logKey}\nquorum none\n`);
    const [plain, pinned, perProject] = await Promise.all([
      run(['verify', sdist]),
      run(['verify', sdist, '--policy', policy, '--publisher-key', key('alice'), '--min-age', '0s']),
      run(['verify', sdist, '--publisher-key', `demo=${key('alice')}`]),
    ]);
    expect(plain, 0, /^OK demo-1\.0\.tar\.gz: demo 1\.0, sha256 [0-9a-f]{64}, logged at index 0 of example\.test\/log/);
    expect(pinned, 0, /publisher key alice\.example/);
    expect(perProject, 0);
  });

  it('check online finds the digest, proves it, and calls it the only one under its filename', async () => {
    const r = await run(['check', sdist, '--log', srv.url]);
    expect(r, 0, /logged: +index 0: artifact demo 1\.0 demo-1\.0\.tar\.gz/);
    assert.match(r.stdout, /OK: the only digest logged under demo-1\.0\.tar\.gz/);
  });

  it('a tampered file fails with exit 10 naming the digest', async () => {
    const tampered = join(dir, 'tampered');
    mkdirSync(tampered);
    const f = join(tampered, 'demo-1.0.tar.gz');
    writeFileSync(f, 'the demo sdist, with a backdoor\n');
    writeFileSync(`${f}.tlog-proof`, readFileSync(`${sdist}.tlog-proof`));
    expect(await run(['verify', f]), 10, /file: SHA-256 [0-9a-f]{64} is not the logged [0-9a-f]{64}/);
  });

  it("another file's proof fails with exit 10; a receipt with a swapped leaf fails with exit 11", async () => {
    expect(await run(['verify', sdist, '--proof', `${wheel}.tlog-proof`]), 10, /is not the logged/);
    const a = parseTlogProof(readFileSync(`${sdist}.tlog-proof`));
    const b = parseTlogProof(readFileSync(`${wheel}.tlog-proof`));
    const swapped = join(dir, 'swapped.tlog-proof');
    writeFileSync(swapped, formatTlogProof({ extra: b.extra, index: a.index, proof: a.proof, note: a.note }));
    expect(await run(['verify', sdist, '--proof', swapped]), 11, /receipt: inclusion proof: calculated root/);
  });

  it('a proof from another log (same origin, another key) fails with exit 12', async () => {
    const f = join(dir, 'other', 'demo-1.0.tar.gz');
    mkdirSync(join(dir, 'other'));
    writeFileSync(f, 'the demo sdist\n');
    const otherHome = join(dir, 'other-home');
    const r = await stamplog(['append', f, '--project', 'demo', '--version', '1.0', '--log', other.url, '--token', other.token], { home: otherHome });
    expect(r, 0);
    expect(await run(['verify', sdist, '--proof', `${f}.tlog-proof`]), 12, /receipt: note: no signature by a known key/);
    const policy = join(dir, 'policy.txt');
    expect(await run(['verify', sdist, '--proof', `${f}.tlog-proof`, '--policy', policy]), 12);
    // Pointed at the other log, a client that pinned the first refuses its key.
    expect(await run(['check', sdist, '--log', other.url]), 20, /now announces the key[\s\S]*but this client pinned/);
  });

  it('a missing witness quorum fails with exit 13', async () => {
    const policy = join(dir, 'witnessed.txt');
    writeFileSync(policy, `log ${srv.logKey}\nwitness w1 ${key('witness1')}\nquorum w1\n`);
    expect(await run(['verify', sdist, '--policy', policy]), 13, /witness quorum "w1" not satisfied/);
    // The log's own timestamp cosignature (type 0x04) can count as a witness; 2 of {it, w1} cannot be met.
    writeFileSync(policy, `log ${srv.logKey}\nwitness ts ${srv.timestampKey}\nwitness w1 ${key('witness1')}\ngroup both 2 ts w1\nquorum ts\n`);
    expect(await run(['verify', sdist, '--policy', policy]), 0, /cosigned by ts/);
    writeFileSync(policy, `log ${srv.logKey}\nwitness ts ${srv.timestampKey}\nwitness w1 ${key('witness1')}\ngroup both 2 ts w1\nquorum both\n`);
    expect(await run(['verify', sdist, '--policy', policy]), 13, /witness quorum "both" not satisfied/);
  });

  it('an unpinned publisher key fails with exit 14, and so does an unsigned entry', async () => {
    expect(await run(['verify', sdist, '--publisher-key', key('mallory')]), 14, /demo is pinned to mallory\.example.*which is not pinned/);
    expect(await run(['verify', sdist, '--publisher-key', `other=${key('alice')}`]), 14, /no key is pinned for the project "demo"/);
  });

  it('a minimum age not reached fails with exit 16', async () => {
    expect(await run(['verify', sdist, '--min-age', '7d']), 16, /less than the required 7d/);
  });

  it('sign and vet log signature and vetting entries that verify can require', async () => {
    const env = { STAMPLOG_TOKEN: srv.token };
    expect(await run(['sign', wheel, '--sign-key', join(dir, 'mallory.key'), '--log', srv.url], env), 0, /logged the signature by mallory\.example of demo-1\.0-py3-none-any\.whl/);
    expect(await run(['vet', wheel, '--verdict', 'approved', '--sign-key', join(dir, 'vet1.key'), '--log', srv.url], env), 0, /vetting \(approved\) by vet1\.example/);
    assert.ok(existsSync(`${wheel}.signature.tlog-proof`) && existsSync(`${wheel}.vetting.tlog-proof`));
    const vetters = `--vetters=1:${key('vet1')},${key('vet2')}`;
    const [ok, two, verdict, otherFile] = await Promise.all([
      run(['verify', wheel, '--publisher-key', key('mallory'), vetters]),
      run(['verify', wheel, `--vetters=2:${key('vet1')},${key('vet2')}`]),
      run(['verify', wheel, vetters, '--verdicts', 'reviewed']),
      // A vetting receipt for another artifact does not count for this one.
      run(['verify', sdist, vetters, '--vetting', `${wheel}.vetting.tlog-proof`]),
    ]);
    expect(ok, 0, /publisher key mallory\.example.*\(signature entry \d+\), vetted by vet1\.example/);
    expect(two, 15, /vetters: 1 of the required 2/);
    expect(verdict, 15, /verdict "approved"/);
    expect(otherFile, 15, /about another file/);
    const unknown = join(dir, 'unknown.whl');
    writeFileSync(unknown, 'never logged\n');
    expect(await run(['sign', unknown, '--sign-key', join(dir, 'alice.key'), '--log', srv.url], env), 21, /no artifact entry .* is logged; append it first/);
    expect(await run(['check', unknown, '--log', srv.url]), 21, /NOT LOGGED: no artifact entry with SHA-256/);
  });

  it('substitution: a second digest under the same filename makes check on either file exit 22', async () => {
    const evil = join(dir, 'evil', 'demo-1.0-py3-none-any.whl');
    mkdirSync(join(dir, 'evil'));
    writeFileSync(evil, 'a different wheel with the same name\n');
    expect(await run(['append', evil, '--project', 'demo', '--version', '1.0', '--log', srv.url, '--token', srv.token]), 0);
    for (const f of [wheel, evil]) {
      const r = await run(['check', f, '--log', srv.url]);
      expect(r, 22, /CONTESTED: the log holds 1 other digest under the filename "demo-1\.0-py3-none-any\.whl"/);
      assert.match(r.stdout, /CONFLICT: +index \d+: artifact demo 1\.0 demo-1\.0-py3-none-any\.whl/);
    }
    const renamed = join(dir, 'renamed.bin');
    writeFileSync(renamed, 'never logged either\n');
    expect(await run(['check', renamed, '--log', srv.url, '--filename', 'demo-1.0-py3-none-any.whl']), 22, /this file's digest is not logged at all/);
  });

  it('usage errors (and a missing token) exit 2, a refused or unreachable server exits 3', async () => {
    const cases: [string[], number, RegExp][] = [
      [['verify', sdist, '--bogus'], 2, /unknown option/],
      [['verify', join(dir, 'missing.tar.gz')], 2, /no such file/],
      [['verify', sdist, '--min-age', 'soon'], 2, /duration/],
      [['append', sdist, '--project', 'demo', '--version', '1.0', '--log', srv.url], 2, /token/],
      [['append', sdist, '--project', 'demo', '--version', '1.0', '--log', srv.url, '--token', 'wrong-token-0123456789'], 3, /HTTP 401/],
      [['append', sdist, '--project', 'bad\nname', '--version', '1.0', '--log', srv.url, '--token', srv.token], 2, /control/],
      [['check', sdist, '--log', 'http://127.0.0.1:9'], 3, /cannot reach the log/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    cases.forEach(([, code, pattern], i) => expect(results[i], code, pattern));
  });
});

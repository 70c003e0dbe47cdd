import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_POLICY_BYTES,
  cosignatureSigner,
  ed25519NoteSigner,
  formatNote,
  generateCosignerKey,
  generateSignerKey,
  parseNote,
  parsePolicy,
  quorumSatisfied,
  signCheckpoint,
  verifyCheckpointWithPolicy,
} from '../../src/note/index.ts';
import type { Policy } from '../../src/note/index.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { assertCode, seed, witnessNetwork } from './fixtures.ts';

const log = generateSignerKey('log.example/policy', seed(30));
const otherLog = generateSignerKey('other.example/log', seed(31));
const w = Array.from({ length: 8 }, (_, i) => generateCosignerKey(`witness${i}.example`, seed(40 + i)));
const wv = w.map((k) => k.verifierKey);

// The tlog-policy spec's example, with keys filled in.
const SPEC_EXAMPLE = `log ${log.verifierKey}

witness X1 ${wv[0]}
witness X2 ${wv[1]}
witness X3 ${wv[2]}
group X-witnesses 2 X1 X2 X3

witness Y1 ${wv[3]}
witness Y2 ${wv[4]}
witness Y3 ${wv[5]}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
`;

describe('parsePolicy', () => {
  it('parses the spec example: one log, six witnesses, three groups', () => {
    const p = parsePolicy(SPEC_EXAMPLE);
    assert.equal(p.logs.length, 1);
    assert.equal(p.logs[0].key.name, 'log.example/policy');
    assert.deepEqual(p.witnesses.map((x) => x.name), ['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']);
    assert.deepEqual(
      p.groups.map((g) => [g.name, g.threshold, g.members.length, g.line]),
      [
        ['X-witnesses', 2, 3, 6],
        ['Y-witnesses', 1, 3, 11],
        ['X-and-Y', 2, 2, 13],
      ],
    );
    assert.equal(p.quorum, 'X-and-Y');
  });

  it('accepts comments, blank lines, tabs, leading and trailing blanks, URLs and a missing final newline', () => {
    const p = parsePolicy(`# a policy\n  \t# indented comment\n\t log \t${log.verifierKey}  https://log.example/  \n\nwitness\tW ${wv[0]} https://w.example/\nquorum W`);
    assert.equal(p.logs[0].url, 'https://log.example/');
    assert.equal(p.logs[0].line, 3);
    assert.equal(p.witnesses[0].url, 'https://w.example/');
    assert.equal(p.quorum, 'W');
  });

  it('accepts quorum none without witnesses, and UTF-8 bytes', () => {
    const p = parsePolicy(new TextEncoder().encode(`log ${log.verifierKey}\nquorum none\n`));
    assert.equal(p.quorum, 'none');
    assert.equal(p.witnesses.length, 0);
  });

  it('rejects every entry of the strictness list with the offending line number', () => {
    const dupName = generateCosignerKey('another.example', seed(99)).verifierKey;
    const sameKeyOtherName = generateCosignerKey('renamed.example', seed(40)).verifierKey; // w[0]'s key
    const logKeyOtherName = generateSignerKey('renamed-log.example', seed(30)).verifierKey; // log's key
    const cases: [string, string, number][] = [
      ['unknown keyword', `logs ${log.verifierKey}\nquorum none`, 1],
      ['keyword in capitals', `LOG ${log.verifierKey}\nquorum none`, 1],
      ['log without key', 'log\nquorum none', 1],
      ['end-of-line comment', `log ${log.verifierKey} https://x #comment\nquorum none`, 1],
      ['log key of type 0x04', `log ${wv[0]}\nquorum none`, 1],
      ['witness key of type 0x01', `witness W ${log.verifierKey}\nquorum none`, 1],
      ['malformed vkey', `log ${log.verifierKey.slice(0, -2)}AA\nquorum none`, 1],
      ['duplicate log key under another name', `log ${log.verifierKey}\nlog ${logKeyOtherName}\nquorum none`, 2],
      ['duplicate witness key under another name', `witness A ${wv[0]}\nwitness B ${sameKeyOtherName}\nquorum none`, 2],
      ['witness without key', 'witness W\nquorum none', 1],
      ['witness with too many fields', `witness W ${wv[0]} https://a https://b\nquorum none`, 1],
      ['duplicate witness name', `witness W ${wv[0]}\nwitness W ${dupName}\nquorum none`, 2],
      ['witness named none', `witness none ${wv[0]}\nquorum none`, 1],
      ['group named like a witness', `witness W ${wv[0]}\ngroup W any W\nquorum none`, 2],
      ['group named none', `witness W ${wv[0]}\ngroup none any W\nquorum none`, 2],
      ['group without members', `witness W ${wv[0]}\ngroup G any\nquorum G`, 2],
      ['undefined member', `witness W ${wv[0]}\ngroup G any W V\nquorum G`, 2],
      ['member defined later', `group G any W\nwitness W ${wv[0]}\nquorum G`, 1],
      ['self-referencing group', `witness W ${wv[0]}\ngroup G any W G\nquorum G`, 2],
      ['repeated member', `witness W ${wv[0]}\nwitness V ${wv[1]}\ngroup G all W V W\nquorum G`, 3],
      ['member of two groups', `witness W ${wv[0]}\nwitness V ${wv[1]}\nwitness U ${wv[2]}\ngroup G all W V\ngroup H all U V\nquorum H`, 5],
      ['none as member', `witness W ${wv[0]}\ngroup G any W none\nquorum G`, 2],
      ['threshold 0', `witness W ${wv[0]}\ngroup G 0 W\nquorum G`, 2],
      ['threshold above n', `witness W ${wv[0]}\nwitness V ${wv[1]}\ngroup G 3 W V\nquorum G`, 3],
      ['threshold with leading zero', `witness W ${wv[0]}\ngroup G 01 W\nquorum G`, 2],
      ['negative threshold', `witness W ${wv[0]}\ngroup G -1 W\nquorum G`, 2],
      ['threshold in words', `witness W ${wv[0]}\ngroup G one W\nquorum G`, 2],
      ['two quorum lines', `witness W ${wv[0]}\nquorum W\nquorum none`, 3],
      ['quorum of an undefined name', `witness W ${wv[0]}\nquorum V`, 2],
      ['quorum before its witness', `quorum W\nwitness W ${wv[0]}`, 1],
      ['quorum with two names', `witness W ${wv[0]}\nwitness V ${wv[1]}\nquorum W V`, 3],
      ['carriage return', `log ${log.verifierKey}\r\nquorum none`, 1],
      ['form feed', '# \f\nquorum none', 1],
      ['DEL', '# \u007f\nquorum none', 1],
      ['NUL', 'quorum none\u0000', 1],
    ];
    for (const [what, text, line] of cases) {
      assert.throws(
        () => parsePolicy(text),
        (e: unknown) => isStamplogError(e, 'MALFORMED') && e.details?.line === line,
        `${what}: expected MALFORMED at line ${line}`,
      );
    }
  });

  it('rejects a policy without a quorum line, invalid UTF-8 and oversize files', () => {
    assertCode(() => parsePolicy(''), 'MALFORMED', 'empty');
    assertCode(() => parsePolicy(`log ${log.verifierKey}\n`), 'MALFORMED', 'no quorum');
    assertCode(() => parsePolicy(Uint8Array.of(0x23, 0xff, 0x0a)), 'MALFORMED', 'invalid UTF-8');
    assertCode(() => parsePolicy('#'.repeat(MAX_POLICY_BYTES + 1)), 'TOO_LARGE', 'too large');
  });
});

describe('quorumSatisfied', () => {
  it('evaluates the spec example: 2 of the X witnesses and 1 of the Y witnesses', () => {
    const p = parsePolicy(SPEC_EXAMPLE);
    const table: [string[], boolean][] = [
      [[], false],
      [['X1'], false],
      [['X1', 'X2'], false],
      [['Y1', 'Y2', 'Y3'], false],
      [['X1', 'Y1'], false],
      [['X1', 'X2', 'Y1'], true],
      [['X2', 'X3', 'Y3'], true],
      [['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3'], true],
      [['X1', 'X2', 'X-witnesses', 'Y-witnesses'], false], // group names are not witnesses
      [['X1', 'X2', 'unknown', 'Y4'], false],
    ];
    for (const [names, want] of table) assert.equal(quorumSatisfied(p, names), want, names.join(','));
  });

  it('evaluates numeric thresholds as in sigsum-go’s TestNumericThreshold (1 of A, or 2 of B)', () => {
    const p = parsePolicy(
      [0, 1, 2].map((i) => `witness A${i + 1} ${wv[i]}`).join('\n') +
        '\n' +
        [3, 4, 5].map((i) => `witness B${i - 2} ${wv[i]}`).join('\n') +
        '\ngroup A-group 1 A1 A2 A3\ngroup B-group 2 B1 B2 B3\ngroup G any A-group B-group\nquorum G\n',
    );
    const table: [string[], boolean][] = [
      [[], false],
      [['A1'], true],
      [['A3'], true],
      [['B1'], false],
      [['B2'], false],
      [['B1', 'B3'], true],
      [['B1', 'B2', 'B3'], true],
    ];
    for (const [names, want] of table) assert.equal(quorumSatisfied(p, names), want, names.join(','));
  });

  it('treats quorum none as always satisfied and a single-witness quorum as that witness', () => {
    assert.ok(quorumSatisfied(parsePolicy('quorum none\n'), []));
    const p = parsePolicy(`witness W ${wv[0]}\nquorum W\n`);
    assert.ok(quorumSatisfied(p, ['W']));
    assert.ok(!quorumSatisfied(p, ['V']));
  });

  it('is false, not a crash, for a hand-built policy with dangling names or a zero threshold', () => {
    const p: Policy = {
      logs: [],
      witnesses: [],
      groups: [
        { name: 'G', threshold: 1, members: ['H'], line: 1 },
        { name: 'H', threshold: 0, members: [], line: 2 },
      ],
      quorum: 'G',
    };
    assert.equal(quorumSatisfied(p, ['H']), false);
    assert.equal(quorumSatisfied({ ...p, quorum: 'H' }, []), false);
  });
});

describe('verifyCheckpointWithPolicy', () => {
  const cp = { origin: 'log.example/policy', size: 1000, rootHash: new Uint8Array(32).fill(3) };
  const policy = parsePolicy(SPEC_EXAMPLE);
  const cosign = (i: number, t = 1700000000 + i) => cosignatureSigner(w[i].signerKey, () => t);

  it('reports the log, the witnesses that cosigned and their times when the quorum holds', () => {
    const note = signCheckpoint(cp, [ed25519NoteSigner(log.signerKey), cosign(0), cosign(2), cosign(4), cosign(7)]);
    const r = verifyCheckpointWithPolicy(policy, note);
    assert.equal(r.log.key.name, 'log.example/policy');
    assert.equal(r.checkpoint.size, 1000);
    assert.deepEqual(r.witnesses, [
      { name: 'X1', timestamp: 1700000000 },
      { name: 'X3', timestamp: 1700000002 },
      { name: 'Y2', timestamp: 1700000004 },
    ]);
    assert.equal(r.note.unverified.length, 1, 'witness 7 is not in the policy');
  });

  it('throws POLICY_UNSATISFIED when the cosignatures fall short', () => {
    const note = signCheckpoint(cp, [ed25519NoteSigner(log.signerKey), cosign(0), cosign(4)]);
    assertCode(() => verifyCheckpointWithPolicy(policy, note), 'POLICY_UNSATISFIED');
  });

  it('throws UNVERIFIED without the log signature, for an unknown origin, or a mismatching expected origin', () => {
    const witnessesOnly = signCheckpoint(cp, [cosign(0), cosign(1), cosign(3)]);
    assertCode(() => verifyCheckpointWithPolicy(policy, witnessesOnly), 'UNVERIFIED', 'no log signature');
    const otherOrigin = signCheckpoint({ ...cp, origin: 'other.example/log' }, [ed25519NoteSigner(otherLog.signerKey), cosign(0), cosign(1), cosign(3)]);
    assertCode(() => verifyCheckpointWithPolicy(policy, otherOrigin), 'UNVERIFIED', 'origin not in the policy');
    const good = signCheckpoint(cp, [ed25519NoteSigner(log.signerKey), cosign(0), cosign(1), cosign(3)]);
    assertCode(() => verifyCheckpointWithPolicy(policy, good, { origin: 'other.example/log' }), 'UNVERIFIED', 'expected origin');
    assert.equal(verifyCheckpointWithPolicy(policy, good, { origin: 'log.example/policy' }).witnesses.length, 3);
  });

  it('throws INVALID_SIGNATURE when a policy witness’s cosignature is bad', () => {
    const good = signCheckpoint(cp, [ed25519NoteSigner(log.signerKey), cosign(0), cosign(1), cosign(3)]);
    const parsed = parseNote(good);
    const sigs = parsed.signatures.map((s, i) => (i === 2 ? { ...s, signature: s.signature.map((b, j) => (j === 20 ? b ^ 1 : b)) } : s));
    assertCode(() => verifyCheckpointWithPolicy(policy, formatNote(parsed.text, sigs)), 'INVALID_SIGNATURE');
  });

  it('verifies a real witness-network checkpoint against a one-witness policy', () => {
    const p = parsePolicy(`log ${witnessNetwork.logVkey}\nwitness remora ${witnessNetwork.remoraVkey}\nquorum remora\n`);
    const r = verifyCheckpointWithPolicy(p, witnessNetwork.note);
    assert.deepEqual(r.witnesses, [{ name: 'remora', timestamp: witnessNetwork.remoraTimestamp }]);
    const twoOfTwo = parsePolicy(
      `log ${witnessNetwork.logVkey}\nwitness remora ${witnessNetwork.remoraVkey}\nwitness mine ${wv[0]}\ngroup both all remora mine\nquorum both\n`,
    );
    assertCode(() => verifyCheckpointWithPolicy(twoOfTwo, witnessNetwork.note), 'POLICY_UNSATISFIED');
  });
});

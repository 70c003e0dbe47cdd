// Names as the index means them (src/leaf/names.ts): the keys identity compares and the intake rules.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { filenameKey, filenameProblem, invisibleCharacterProblem, projectKey, visibleName } from '../../src/leaf/index.ts';
import { projectKeyByDefinition } from '../../src/leaf/names.ts';

describe('projectKey', () => {
  it('is the PEP 503 normalised name after NFC', () => {
    const same: [string, string][] = [
      ['Requests', 'requests'],
      ['REQUESTS', 'requests'],
      ['zope.interface', 'zope-interface'],
      ['Zope_Interface', 'zope-interface'],
      ['a-_.-b', 'a-b'],
      ['Caf\u0065\u0301', 'caf\u00e9'],
    ];
    for (const [name, key] of same) assert.equal(projectKey(name), key, name);
    assert.notEqual(projectKey('requests-toolbelt'), projectKey('requeststoolbelt'));
  });

  it('is idempotent, and equal for any re-spelling of separators and case', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
    const sep = fc.stringMatching(/^[-_.]{1,3}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), fc.array(sep, { minLength: 3, maxLength: 3 }), (words, seps) => {
        const a = words.join(seps[0]);
        const b = words.map((w, i) => (i % 2 === 0 ? w.toUpperCase() : w)).join(seps[1]);
        assert.equal(projectKey(a), projectKey(b));
        assert.equal(projectKey(projectKey(a)), projectKey(a));
      }),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe('filenameKey', () => {
  it('is NFC and nothing more: NFD and NFC meet, case does not', () => {
    assert.equal(filenameKey('cafe\u0301-1.0.tar.gz'), filenameKey('caf\u00e9-1.0.tar.gz'));
    assert.notEqual(filenameKey('Requests-1.0.tar.gz'), filenameKey('requests-1.0.tar.gz'));
  });
});

describe('intake rules', () => {
  it('filenameProblem refuses paths, dot names and invisible characters, and accepts dots inside', () => {
    for (const bad of ['a/b', 'a\\b', '/abs', '.', '..', '.hidden', '../x', 'x\u200B.whl']) assert.ok(filenameProblem(bad) !== undefined, bad);
    for (const ok of ['a..b.tar.gz', 'x-1.0.tar.gz', 'caf\u00e9.whl', '\u05E9-1.0.zip']) assert.equal(filenameProblem(ok), undefined, ok);
  });

  it('invisibleCharacterProblem names the code point', () => {
    for (const [s, cp] of [
      ['a\u200Bb', '200B'],
      ['\u202E', '202E'],
      ['\u2066x', '2066'],
      ['\uFEFF', 'FEFF'],
      ['\u2028', '2028'],
      ['\u2029', '2029'],
      ['\u00AD', '00AD'],
      ['x\u{E0001}', 'E0001'],
    ] as const) {
      assert.match(invisibleCharacterProblem(s) ?? '', new RegExp(`U\\+${cp}$`), s);
    }
    assert.equal(invisibleCharacterProblem('requests 2.0 caf\u00e9 \u05E9'), undefined);
  });
});

describe('visibleName', () => {
  it('shows invisible and bidirectional characters as <U+XXXX> and leaves the rest', () => {
    assert.equal(visibleName('evil\u202Egpj.exe'), 'evil<U+202E>gpj.exe');
    assert.equal(visibleName('a\u200Bb\u2028c\u{E0041}'), 'a<U+200B>b<U+2028>c<U+E0041>');
    assert.equal(visibleName('caf\u00e9-1.0.tar.gz'), 'caf\u00e9-1.0.tar.gz');
  });
});

describe('name key shortcuts', () => {
  it('projectKey equals its PEP 503 definition for every name, in key form or not', () => {
    const nameish = fc.oneof(fc.string({ maxLength: 24 }), fc.stringMatching(/^[a-zA-Z0-9._-]{1,24}$/), fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/));
    fc.assert(fc.property(nameish, (name) => projectKey(name) === projectKeyByDefinition(name)), { numRuns: 5000 });
  });

  it('filenameKey equals NFC for every filename, ASCII or not', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 24 }), fc.stringMatching(/^[ -~]{0,24}$/)), (f) => filenameKey(f) === f.normalize('NFC')), { numRuns: 5000 });
  });
});

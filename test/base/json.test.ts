import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { duplicateMemberName } from '../../src/base/json.ts';

/** A reference: the JSON text parsed by a small recursive reader that reports the first repeated name. */
function referenceDuplicate(text: string): string | undefined {
  let i = 0;
  let found: string | undefined;
  const ws = () => {
    while (' \t\n\r'.includes(text[i] ?? 'x')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): void => {
    ws();
    if (text[i] === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const name = str();
        if (seen.has(name) && found === undefined) found = name;
        seen.add(name);
        ws();
        i++; // :
        value();
        ws();
        if (text[i++] === '}') return;
      }
    } else if (text[i] === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i++] === ']') return;
      }
    } else if (text[i] === '"') str();
    else while (i < text.length && !',]} \t\n\r'.includes(text[i])) i++;
  };
  value();
  return found;
}

describe('duplicateMemberName', () => {
  it('finds a name used twice in one object, at any depth, compared after unescaping', () => {
    assert.equal(duplicateMemberName('{"kind":"artifact","kind":"vetting"}'), 'kind');
    assert.equal(duplicateMemberName('{"entries":[{"subject":{"size":1,"sha256":"ab","size":2}}]}'), 'size');
    assert.equal(duplicateMemberName('{"a":1,"\\u0061":2}'), 'a');
    assert.equal(duplicateMemberName('{"x":{"a":1},"y":{"a":1},"z":[{"a":1},{"a":2}]}'), undefined);
    assert.equal(duplicateMemberName('{"s":"{\\"a\\":1,\\"a\\":2}","t":"\\\\","a":[1,"a","a"]}'), undefined);
    assert.equal(duplicateMemberName('{"s":"\\\\","s":1}'), 's');
    assert.equal(duplicateMemberName(' { } '), undefined);
    assert.equal(duplicateMemberName('[{},{"":1,"":2}]'), '');
    assert.equal(duplicateMemberName('"just a string"'), undefined);
  });

  it('handles objects of many members (a list while small, a set beyond), finding a repeat anywhere', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`);
    for (const n of [16, 17, 18, 100, 100_000]) {
      assert.equal(duplicateMemberName(`{${members(n).join(',')}}`), undefined, `${n} distinct`);
      assert.equal(duplicateMemberName(`{${members(n).join(',')},"k${n - 1}":0}`), `k${n - 1}`, `${n} and the last again`);
      assert.equal(duplicateMemberName(`{${members(n).join(',')},"k0":0}`), 'k0', `${n} and the first again`);
    }
  });

  it('agrees with a reference reader on generated documents, with and without a repeated name (property)', () => {
    const doc = fc.jsonValue({ maxDepth: 4 });
    // A document with one object whose member list repeats one of its names (spelled escaped or not).
    const withRepeat = fc.tuple(doc, fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), fc.boolean()).map(([inner, name, v, escape]) => {
      // The first character as a \u escape, the rest as JSON.stringify spells it.
      const spelled = escape && name.length > 0 ? `"\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(name.slice(1)).slice(1)}` : JSON.stringify(name);
      return `{"outer":${JSON.stringify(inner)},"list":[{${JSON.stringify(name)}:1,"other":${JSON.stringify(v)},${spelled}:2}]}`;
    });
    fc.assert(
      fc.property(fc.oneof(doc.map((d) => JSON.stringify(d, null, 1)), withRepeat), (text) => {
        JSON.parse(text); // the generator writes JSON
        assert.equal(duplicateMemberName(text), referenceDuplicate(text), text);
      }),
      { numRuns: 3000 },
    );
  });
});

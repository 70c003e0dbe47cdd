/**
 * Test helpers for test/merkle: a naive, recursive RFC 6962 §2.1 reference (MTH, PATH, PROOF) written
 * straight from the RFC text on top of src/crypto/sha256.ts, independent of src/merkle's hashing and
 * index maths; hex/base64 codecs; a plain array HashReader; and the error-type assertion.
 */
import assert from 'node:assert/strict';
import { sha256 } from '../../src/crypto/sha256.ts';
import { StamplogError, type ErrorCode } from '../../src/base/errors.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** RFC 6962 §2.1 leaf hash, computed by concatenation. */
export function refLeaf(data: Uint8Array): Uint8Array {
  const b = new Uint8Array(1 + data.length);
  b.set(data, 1);
  return sha256(b);
}

/** RFC 6962 §2.1 node hash, computed by concatenation. */
export function refNode(l: Uint8Array, r: Uint8Array): Uint8Array {
  const b = new Uint8Array(65);
  b[0] = 1;
  b.set(l, 1);
  b.set(r, 33);
  return sha256(b);
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A reference tree over leaf hashes with memoised MTH(D[lo:hi]), so proofs for all sizes stay cheap. */
export class RefTree {
  readonly leaves: Uint8Array[];
  readonly #memo = new Map<string, Uint8Array>();

  constructor(leafHashes: Uint8Array[]) {
    this.leaves = leafHashes;
  }

  /** RFC 6962 §2.1: MTH(D[lo:hi]). */
  mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return sha256(new Uint8Array(0));
    if (n === 1) return this.leaves[lo];
    const key = `${lo}:${hi}`;
    const hit = this.#memo.get(key);
    if (hit !== undefined) return hit;
    const k = largestPowerOfTwoBelow(n);
    const h = refNode(this.mth(lo, lo + k), this.mth(lo + k, hi));
    this.#memo.set(key, h);
    return h;
  }

  /** RFC 6962 §2.1.1: PATH(m, D[lo:hi]), bottom-up. */
  path(m: number, lo: number, hi: number): Uint8Array[] {
    const n = hi - lo;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    if (m < k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** RFC 6962 §2.1.2: PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true). */
  proof(m: number, n: number): Uint8Array[] {
    return this.#subproof(m, 0, n, true);
  }

  #subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) return [...this.#subproof(m, lo, lo + k, b), this.mth(lo + k, hi)];
    return [...this.#subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }
}

/** A HashReader over a plain array of stored hashes that counts its calls and returns copies. */
export class ArrayReader {
  readonly hashes: Uint8Array[] = [];
  calls = 0;

  readHashes(indexes: readonly number[]): Uint8Array[] {
    this.calls++;
    return indexes.map((i) => {
      const h = this.hashes[i];
      if (h === undefined) throw new StamplogError('NOT_FOUND', `no stored hash ${i}`);
      return h.slice();
    });
  }
}

/** Asserts that `fn` throws a StamplogError (with `code`, if given). */
export function assertStamplogError(fn: () => unknown, code?: ErrorCode, message?: string): void {
  assert.throws(
    fn,
    (e: unknown) => {
      assert.ok(e instanceof StamplogError, `expected a StamplogError, got ${String(e)}${message ? ` (${message})` : ''}`);
      if (code !== undefined) assert.equal(e.code, code, message);
      return true;
    },
    message,
  );
}

/** Calls `fn` and fails unless it returns normally or throws a StamplogError. */
export function onlyStamplogErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof StamplogError)) throw new assert.AssertionError({ message: `non-StamplogError thrown: ${String(e)}` });
  }
}

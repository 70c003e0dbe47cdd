/**
 * Bit arithmetic on tree sizes and indexes held in JS numbers (internal to src/merkle).
 *
 * Sizes and indexes are non-negative safe integers (< 2^53), which the 32-bit bitwise operators cannot
 * hold, so shifts are divisions by powers of two (exact in binary floating point) and bit counts are
 * taken on the high and low 32-bit halves. Every function here assumes its arguments are already
 * validated non-negative safe integers (see check.ts); none allocates.
 */

const TWO_32 = 2 ** 32;

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Number of set bits of the safe integer `x` ≥ 0. */
export function popcount(x: number): number {
  if (x < TWO_32) return popcount32(x >>> 0);
  return popcount32(x >>> 0) + popcount32(Math.floor(x / TWO_32));
}

/** Number of trailing zero bits of the safe integer `x` ≥ 1 (0 for x = 0, which callers never pass). */
export function trailingZeros(x: number): number {
  const lo = x >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(x / TWO_32) >>> 0;
  if (hi === 0) return 0;
  return 32 + 31 - Math.clz32(hi & -hi);
}

/** Number of bits needed to write the safe integer `x` ≥ 0 (0 for 0, k+1 for 2^k ≤ x < 2^(k+1)). */
export function bitLength(x: number): number {
  if (x < TWO_32) return 32 - Math.clz32(x >>> 0);
  return 64 - Math.clz32(Math.floor(x / TWO_32) >>> 0);
}

/** `x` shifted right by `k` bits (floor(x / 2^k)) for a safe integer `x` ≥ 0 and 0 ≤ k ≤ 63. */
export function shr(x: number, k: number): number {
  if (k === 0) return x;
  if (x < TWO_32 && k < 32) return x >>> k;
  return Math.floor(x / POW2[k]);
}

const POW2 = Float64Array.from({ length: 64 }, (_, k) => 2 ** k);

/** 2^k for an integer 0 ≤ k ≤ 63 (a table lookup: `2 ** k` with a variable k is a call to pow()). */
export function pow2(k: number): number {
  return POW2[k];
}

/** True when the safe integer `x` is a power of two (1, 2, 4, …). */
export function isPowerOfTwo(x: number): boolean {
  return x > 0 && popcount(x) === 1;
}

/** True when bit `k` of the safe integer `x` ≥ 0 is set. */
export function bitSet(x: number, k: number): boolean {
  return shr(x, k) % 2 === 1;
}

/**
 * The strict single-pass check of deterministic CBOR, the first of decodeCanonical's three layers (cbor.ts):
 * it walks the bytes and rejects, with a reason and a byte offset, anything outside the value set of cbor.ts
 * or not in RFC 8949 §4.2.1 deterministic form, before a general decoder sees them. Every declared length is
 * checked against the bytes that remain, so hostile input costs at most linear time and no allocation.
 */
import { malformed } from '../base/index.ts';
import { MAJOR_ARRAY, MAJOR_BYTES, MAJOR_MAP, MAJOR_TEXT, MAJOR_UINT, TWO_32, compareBytes } from './cborwriter.ts';

function fail(at: number, reason: string): never {
  throw malformed(`cbor: ${reason} at byte ${at}`, { offset: at });
}

/** True iff b[start:end] is well-formed UTF-8 (RFC 3629: shortest form, no surrogates, ≤ U+10FFFF). */
export function isWellFormedUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // no overlong 3-byte forms
      if (c === 0xed) hi = 0x9f; // no surrogates U+D800–U+DFFF
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // no overlong 4-byte forms
      if (c === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    } else {
      return false;
    }
    if (i + n >= end) return false; // truncated sequence
    const c1 = b[i + 1];
    if (c1 < lo || c1 > hi) return false;
    for (let j = 2; j <= n; j++) if ((b[i + j] & 0xc0) !== 0x80) return false;
    i += n + 1;
  }
  return true;
}

/** The big-endian integer 0 … 2^32 − 1 in b[p], …, b[p + 3]. */
function get32(b: Uint8Array, p: number): number {
  return b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
}

/**
 * Checks that `b` holds exactly one item of the supported subset in deterministic form, nested at most
 * `maxDepth` levels; throws MALFORMED naming the first problem and its byte offset.
 */
export function checkDeterministic(b: Uint8Array, maxDepth: number): void {
  const end = b.length;
  let pos = 0;

  // Reads one head at `pos`; returns [major, argument]. Rejects what the subset or §4.2.1 forbids.
  const readHead = (): [number, number] => {
    const at = pos;
    if (pos >= end) fail(at, 'unexpected end of input');
    const ib = b[pos++];
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (major === 1) fail(at, 'negative integers are not allowed');
    if (major === 6) fail(at, `tags are not allowed (tag head 0x${ib.toString(16)})`);
    if (major === 7) {
      if (ai === 20 || ai === 21) return [7, ai];
      if (ai === 22) fail(at, 'null is not allowed');
      if (ai === 23) fail(at, 'undefined is not allowed');
      if (ai >= 25 && ai <= 27) fail(at, 'floating-point numbers are not allowed');
      if (ai === 31) fail(at, 'unexpected break code');
      fail(at, 'simple values other than false and true are not allowed');
    }
    if (ai < 24) return [major, ai];
    if (ai === 31) fail(at, 'indefinite-length items are not allowed');
    if (ai > 27) fail(at, `reserved additional information ${ai}`);
    const n = 1 << (ai - 24); // 1, 2, 4 or 8 argument bytes
    if (end - pos < n) fail(at, 'unexpected end of input in an item head');
    let arg: number;
    if (n === 1) {
      arg = b[pos];
      if (arg < 24) fail(at, 'integer head is not as short as possible');
    } else if (n === 2) {
      arg = (b[pos] << 8) | b[pos + 1];
      if (arg < 0x100) fail(at, 'integer head is not as short as possible');
    } else if (n === 4) {
      arg = get32(b, pos);
      if (arg < 0x10000) fail(at, 'integer head is not as short as possible');
    } else {
      const hi = get32(b, pos);
      const lo = get32(b, pos + 4);
      if (hi > 0x1fffff) fail(at, 'integer larger than 2^53 − 1');
      arg = hi * TWO_32 + lo;
      if (arg < TWO_32) fail(at, 'integer head is not as short as possible');
    }
    pos += n;
    return [major, arg];
  };

  const item = (depth: number): void => {
    const at = pos;
    const [major, arg] = readHead();
    switch (major) {
      case MAJOR_UINT:
      case 7:
        return;
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        if (arg > end - pos) fail(at, 'string length exceeds the input');
        if (major === MAJOR_TEXT && !isWellFormedUtf8(b, pos, pos + arg)) fail(at, 'text string is not well-formed UTF-8');
        pos += arg;
        return;
      case MAJOR_ARRAY:
        if (depth >= maxDepth) fail(at, `nesting deeper than ${maxDepth}`);
        if (arg > end - pos) fail(at, 'array length exceeds the input'); // each item takes ≥ 1 byte
        for (let i = 0; i < arg; i++) item(depth + 1);
        return;
      case MAJOR_MAP: {
        if (depth >= maxDepth) fail(at, `nesting deeper than ${maxDepth}`);
        if (arg > (end - pos) / 2) fail(at, 'map length exceeds the input'); // each pair takes ≥ 2 bytes
        let prevStart = -1;
        let prevEnd = -1;
        for (let i = 0; i < arg; i++) {
          const keyStart = pos;
          if (pos < end && b[pos] >> 5 !== MAJOR_TEXT) fail(keyStart, 'map keys must be text strings');
          item(depth + 1);
          const keyEnd = pos;
          if (prevStart >= 0) {
            const c = compareBytes(b.subarray(prevStart, prevEnd), b.subarray(keyStart, keyEnd));
            if (c === 0) fail(keyStart, 'duplicate map key');
            if (c > 0) fail(keyStart, 'map keys are not in deterministic (bytewise lexicographic) order');
          }
          prevStart = keyStart;
          prevEnd = keyEnd;
          item(depth + 1);
        }
        return;
      }
      default:
        fail(at, `unexpected major type ${major}`);
    }
  };

  item(0);
  if (pos !== end) fail(pos, `${end - pos} trailing bytes after the item`);
}

/**
 * The writer of deterministic CBOR items (RFC 8949 §4.2.1, "core deterministic encoding"): the shortest
 * head for every argument, definite lengths, UTF-8 text. The value set and wire form are in cbor.ts; this
 * file holds the pieces both directions share: the major types, the UTF-8 length of a string and the
 * bytewise order of encoded map keys.
 */
import { malformed } from '../base/index.ts';

export const MAJOR_UINT = 0;
export const MAJOR_BYTES = 2;
export const MAJOR_TEXT = 3;
export const MAJOR_ARRAY = 4;
export const MAJOR_MAP = 5;
export const TWO_32 = 0x1_0000_0000;

/** Writes `x` (an integer 0 … 2^32 − 1) big-endian into b[p], …, b[p + 3]. */
function put32(b: Uint8Array, p: number, x: number): void {
  b[p] = x >>> 24;
  b[p + 1] = (x >>> 16) & 0xff;
  b[p + 2] = (x >>> 8) & 0xff;
  b[p + 3] = x & 0xff;
}

/**
 * An append-only writer of deterministic CBOR items. Callers that write maps item by item (the leaf
 * encoder) are responsible for emitting keys in sorted order; `encodeCanonical` sorts for itself.
 */
export class CborWriter {
  #buf: Uint8Array;
  #pos = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity);
  }

  /** Forgets everything written so far (the buffer is kept for reuse). */
  reset(): void {
    this.#pos = 0;
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  /** Writes the shortest head of major type `major` with argument `n` (a safe non-negative integer). */
  head(major: number, n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw malformed(`cbor: ${n} is not an unsigned integer ≤ 2^53 − 1`);
    this.#ensure(9);
    const b = this.#buf;
    let p = this.#pos;
    const m = major << 5;
    // RFC 8949 §4.2.1: "the argument … MUST be as short as possible".
    if (n < 24) {
      b[p++] = m | n;
    } else if (n < 0x100) {
      b[p++] = m | 24;
      b[p++] = n;
    } else if (n < 0x10000) {
      b[p++] = m | 25;
      b[p++] = n >>> 8;
      b[p++] = n & 0xff;
    } else if (n < TWO_32) {
      b[p] = m | 26;
      put32(b, p + 1, n);
      p += 5;
    } else {
      b[p] = m | 27;
      put32(b, p + 1, Math.floor(n / TWO_32));
      put32(b, p + 5, n >>> 0);
      p += 9;
    }
    this.#pos = p;
  }

  /** Writes the unsigned integer `n`. */
  uint(n: number): void {
    this.head(MAJOR_UINT, n);
  }

  /** Writes `b` as a byte string. */
  bytes(b: Uint8Array): void {
    this.head(MAJOR_BYTES, b.length);
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Writes `s` as a UTF-8 text string; throws MALFORMED if `s` holds a lone surrogate (not encodable). */
  text(s: string): void {
    const n = utf8Length(s);
    this.head(MAJOR_TEXT, n);
    this.#ensure(n);
    const b = this.#buf;
    let p = this.#pos;
    if (n === s.length) {
      for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    } else {
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c < 0x80) {
          b[p++] = c;
        } else if (c < 0x800) {
          b[p++] = 0xc0 | (c >> 6);
          b[p++] = 0x80 | (c & 0x3f);
        } else if (c >= 0xd800 && c <= 0xdbff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
          b[p++] = 0xf0 | (c >> 18);
          b[p++] = 0x80 | ((c >> 12) & 0x3f);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
        } else {
          b[p++] = 0xe0 | (c >> 12);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
        }
      }
    }
    this.#pos = p;
  }

  /** Writes false or true. */
  bool(v: boolean): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = v ? 0xf5 : 0xf4;
  }

  /** Writes the head of a map of `n` pairs; the caller then writes n sorted key/value pairs. */
  mapHead(n: number): void {
    this.head(MAJOR_MAP, n);
  }

  /** Writes the head of an array of `n` items. */
  arrayHead(n: number): void {
    this.head(MAJOR_ARRAY, n);
  }

  /** Appends bytes that already are a deterministic CBOR encoding. */
  raw(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Appends the encoded map key `encoded` (from encodeKey); the value follows: `w.key(K.size).uint(n)`. */
  key(encoded: Uint8Array): this {
    this.raw(encoded);
    return this;
  }
}

/** The UTF-8 length of `s`; throws MALFORMED if `s` holds a lone surrogate (RFC 8949 §3.1: text is UTF-8). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw malformed('cbor: text holds a lone UTF-16 surrogate');
      n += 2; // 2 UTF-16 units → 4 bytes
      i++;
    } else {
      n += 2;
    }
  }
  return n;
}

/** Compares two byte strings in bytewise lexicographic order (RFC 8949 §4.2.1 map key order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const keyScratch = new CborWriter(64);

/** The deterministic encoding of the text string `key`. */
export function encodeKey(key: string): Uint8Array {
  keyScratch.reset();
  keyScratch.text(key);
  return keyScratch.finish();
}

/**
 * Argument checks at the boundary of src/merkle (internal). Everything that comes from outside (a proof
 * off the wire, a size parsed from a checkpoint, a path from an HTTP request) passes one of these before
 * any arithmetic or hashing, so hostile input ends as a `StamplogError` (MALFORMED) and never as a
 * TypeError or RangeError from deep code.
 *
 * Limits: sizes and indexes are non-negative safe integers (≤ 2^53 − 1). Operations that address stored
 * hashes (storage, tiles, proof generation) additionally require tree sizes ≤ MAX_TREE_SIZE = 2^52, so
 * that every stored-hash index (< 2 · size) is itself a safe integer.
 */
import { StamplogError, malformed } from '../base/index.ts';
import { HASH_SIZE, type Hash } from './hash.ts';

/** Largest tree size whose stored-hash indexes (< 2 · size) are all safe integers: 2^52 leaves. */
export const MAX_TREE_SIZE = 2 ** 52;

/** Throws MALFORMED unless `value` is a non-negative safe integer; `what` names it in the message. */
export function checkUint(what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(`${what} must be a non-negative safe integer`, { [what]: describe(value) });
  }
}

/** Throws MALFORMED unless `value` is an integer tree size in [0, MAX_TREE_SIZE]. */
export function checkTreeSize(what: string, value: unknown): asserts value is number {
  checkUint(what, value);
  if (value > MAX_TREE_SIZE) {
    throw malformed(`${what} exceeds the largest supported tree size 2^52`, { [what]: value });
  }
}

/** Throws MALFORMED unless `value` is a Uint8Array of exactly 32 bytes. */
export function checkHash(what: string, value: unknown): asserts value is Hash {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    const len = value instanceof Uint8Array ? value.length : describe(value);
    throw malformed(`${what} must be a ${HASH_SIZE}-byte hash`, { [what]: len });
  }
}

/** Throws MALFORMED unless `value` is a Uint8Array (of any length). */
export function checkBytes(what: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw malformed(`${what} must be a byte array`, { [what]: describe(value) });
}

/**
 * Throws MALFORMED unless `proof` is an array of at most `max` 32-byte hashes; the length is checked
 * before any element is looked at, so an oversized proof costs nothing.
 */
export function checkProof(what: string, proof: unknown, max: number): asserts proof is readonly Hash[] {
  if (!Array.isArray(proof)) throw malformed(`${what} must be an array of hashes`, { [what]: describe(proof) });
  if (proof.length > max) {
    throw malformed(`${what} has ${proof.length} hashes, more than the limit of ${max}`, { length: proof.length });
  }
  for (let i = 0; i < proof.length; i++) checkHash(`${what}[${i}]`, proof[i]);
}

/**
 * Throws unless `hashes` (what a reader returned for `count` indexes) is an array of exactly `count`
 * 32-byte hashes: INTERNAL for a wrong count (a reader bug), CORRUPTION for a hash of the wrong size.
 */
export function checkReadHashes(count: number, hashes: unknown): asserts hashes is readonly Hash[] {
  if (!Array.isArray(hashes) || hashes.length !== count) {
    const got = Array.isArray(hashes) ? hashes.length : describe(hashes);
    throw new StamplogError('INTERNAL', `hash reader returned ${String(got)} hashes for ${count} indexes`);
  }
  for (let i = 0; i < count; i++) {
    const h: unknown = hashes[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new StamplogError('CORRUPTION', `hash reader returned a malformed hash at position ${i}`);
    }
  }
}

/** Throws MALFORMED unless `hashes` holds exactly `count` 32-byte hashes (input of the *FromHashes functions). */
export function checkHashList(what: string, count: number, hashes: unknown): asserts hashes is readonly Hash[] {
  if (!Array.isArray(hashes) || hashes.length !== count) {
    throw malformed(`${what}: expected ${count} hashes`, { got: Array.isArray(hashes) ? hashes.length : describe(hashes) });
  }
  for (let i = 0; i < count; i++) checkHash(`${what}[${i}]`, hashes[i]);
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.length > 40 ? 'a long string' : JSON.stringify(value);
  if (value === null) return 'null';
  return typeof value;
}

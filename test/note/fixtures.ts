/**
 * Vectors shared by the note tests. Every constant names where it comes from; none was produced by
 * the code under test.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { isStamplogError } from '../../src/base/errors.ts';
import type { ErrorCode } from '../../src/base/errors.ts';

const SUMDB = fileURLToPath(new URL('./vectors/sumdb/', import.meta.url));

/** Go checksum database vectors (golang.org/x/mod v0.7.0 sumdb/note), copied to test/note/vectors/sumdb. */
export const sumdb = {
  checkpoint: readFileSync(SUMDB + 'checkpoint.txt', 'utf8'),
  vkey: readFileSync(SUMDB + 'vkey.txt', 'utf8').trim(),
  skey: readFileSync(SUMDB + 'skey.txt', 'utf8').trim(),
  json: JSON.parse(readFileSync(SUMDB + 'checkpoint.json', 'utf8')) as {
    origin: string;
    key_name: string;
    ed25519_seed_hex: string;
    ed25519_public_key_hex: string;
    key_hash_hex: string;
    verifier_key: string;
    signer_key: string;
    size: number;
    root_hex: string;
    root_base64: string;
    body: string;
    note: string;
  },
  /** inclusion.json's proof of leaf 2 ("leaf-2") in the tree of size 300 (tlog.ProveRecord order). */
  inclusion: {
    index: 2,
    size: 300,
    leaf: 'leaf-2',
    proof: [
      'f76836325aec5699d8d71f8e42e9d47c5c29b08059ba296384f7ca40ad3a40ae',
      '60a53eed0de87a90c8e59427c59c46253c33a76a09502a51801300927b7e6bdc',
      'f58aaab46122102d66b00c5eb50b13dd763b5f800139b424fda8b1cacae1408a',
      '0987e0642e1f474f9559a891878d4c9afa846570074aa8a433cd30338a80b746',
      '18cdc6bd01687da3b81e8d09acef25898fd8d9964cead483caff12be33121361',
      '4b1ca3f4ddddda577e6d321a408b774586ba4d340271c84097a4939513356190',
      'fafbd09a85c27f7c0b66b0a99986ffe50cda5aca8a943ed9665004997d93d635',
      'b1919b7782d6e7600c16debd5ff13825959a2fb86699f374dced237fa192d38d',
      'cbc6965c59663f500a4cd677d008a44c89dc46f688f2975973e98a8031da1b8e',
    ],
  },
};

/** The tlog-proof of leaf 2 in the sumdb tree of size 300, written out by hand as the spec's example is. */
export const SUMDB_RECEIPT =
  'c2sp.org/tlog-proof@v1\n' +
  `extra ${Buffer.from(sumdb.inclusion.leaf).toString('base64')}\n` +
  'index 2\n' +
  sumdb.inclusion.proof.map((h) => Buffer.from(h, 'hex').toString('base64') + '\n').join('') +
  '\n' +
  sumdb.checkpoint;

/** The worked example of C2SP signed-note (the spec's "example.com/foo" key and note). */
export const spec = {
  vkey: 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
  text: 'This is an example message.\n',
  note:
    'This is an example message.\n\n' +
    '\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n',
};

/** The package documentation example of golang.org/x/mod/sumdb/note (note.go). */
export const goDoc = {
  peterSkey: 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz',
  peterVkey: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  enochVkey: 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop',
  text: "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n",
  peterLine: '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
  enochLine: '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n',
};

/**
 * A real checkpoint of the public witness network: the arche2025h1 staging CT log, with an RFC 6962
 * STH signature (type 0x05), an Ed25519 log signature and four witness cosignatures; log and
 * remora.n621.de keys as published (both quoted in public test suites of C2SP implementations).
 */
export const witnessNetwork = {
  logVkey: 'arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f',
  remoraVkey: 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
  remoraTimestamp: 1779573024,
  text: 'arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n',
  note:
    'arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n\n' +
    '\u2014 arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n' +
    '\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n' +
    '\u2014 transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n' +
    '\u2014 witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n' +
    '\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n' +
    '\u2014 witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n',
};

/** Vectors of transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1Timestamp, TestCoSigV1NewVerifier). */
export const formatsRepo = {
  /** A cosignature/v1 signature (key ID, timestamp, signature) whose timestamp is 1727964367. */
  cosigBase64: 'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
  cosigTimestamp: 1727964367,
  /** A plain Ed25519 note signature: too short to be a cosignature. */
  ed25519SigBase64: 'eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=',
  /** A type-0x01 vkey whose base64 contains a '+'. */
  plusVkey: 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6',
};

/** A deterministic 32-byte seed: `fill` repeated (test keys only). */
export function seed(fill: number): Uint8Array {
  return new Uint8Array(32).fill(fill);
}

/** Bytes of a lowercase hex string. */
export function fromHex(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

/** Lowercase hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Asserts that `fn` throws a StamplogError with code `code` (and returns it). */
export function assertCode(fn: () => unknown, code: ErrorCode, message?: string): void {
  assert.throws(
    fn,
    (e: unknown) => {
      assert.ok(isStamplogError(e), `expected a StamplogError, got ${String(e)}`);
      assert.equal(e.code, code, `${message ?? ''} (error: ${e.message})`);
      return true;
    },
    message,
  );
}

/** Runs `fn`; any exception other than a StamplogError fails the test. */
export function onlyStamplogErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!isStamplogError(e)) throw new Error(`non-StamplogError thrown: ${String(e)}`, { cause: e });
  }
}

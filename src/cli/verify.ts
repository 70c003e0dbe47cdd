/**
 * `stamplog verify <file> [--proof R] [--policy P | --log-key K | --origin O] [--publisher-key K…] [--signature R…]
 * [--vetters k:K,…] [--vetting R…] [--min-age D]`: fully offline (src/verify/artifact.ts). The receipt (default
 * `<file>.tlog-proof`) must verify against the log it is trusted from, one of:
 *   --policy P    the policy file (its logs and witness quorum; with --origin, only that origin's log);
 *   --log-key K   that log key alone, no witness quorum (refused if the trust store pins another key for its
 *                 origin: a log never changes its key);
 *   --origin O    the key pinned in the trust store for O, no witness quorum; a receipt of another log is
 *                 refused (exit 12) even if that log is pinned too;
 *   none          the key pinned in the trust store for the receipt's own origin, no witness quorum: ANY log
 *                 this user pinned is trusted, which is why the OK line names the origin and the pinned key;
 * and match the file (SHA-256 and size, hashed streaming); then the optional requirements: a signature by a
 * pinned publisher key (in the artifact entry or a `signature` receipt, default `<file>.signature.tlog-proof`
 * if present), k of n vetters
 * (`vetting` receipts, default `<file>.vetting.tlog-proof` if present), a minimum age. A receipt whose
 * checkpoint has the pinned size but another root is refused as inconsistent. Exit 0 when everything holds,
 * otherwise the status of exit.ts for what failed (10 file, 11 proof, 12 log signature, 13 witness quorum,
 * 14 publisher key, 15 vetters, 16 minimum age, 20 inconsistent), with a message naming it.
 */
import { access, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { toBase64, toHex } from '../base/index.ts';
import { filenameKey, visibleName } from '../leaf/index.ts';
import { hashEqual } from '../merkle/index.ts';
import { openCheckpoint, ed25519NoteVerifier, parseVerifierKey, parsePolicy, parseTlogProof } from '../note/index.ts';
import type { Policy } from '../note/index.ts';
import {
  verifyArtifact,
  failure,
  tagged,
  DEFAULT_VERDICTS,
  formatDuration,
  parseDuration,
  parsePublisherPin,
  parseVetters,
} from '../verify/index.ts';
import { hashFile, TrustStore } from '../client/index.ts';
import type { ArtifactRequirements } from '../verify/index.ts';
import { readPolicy } from './common.ts';

export interface VerifyOptions {
  policy?: string;
  logKey?: string;
  origin?: string;
  proof?: string;
  publisherKey: string[];
  signature: string[];
  vetters?: string;
  vetting: string[];
  verdicts?: string;
  minAge?: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The policy to verify against (see the module comment), and the words that say where its trust came from. */
async function policyFor(opts: VerifyOptions, receipt: Uint8Array, store: TrustStore): Promise<{ policy: Policy; trusted: string }> {
  if ([opts.policy, opts.logKey].filter((o) => o !== undefined).length > 1 || (opts.logKey !== undefined && opts.origin !== undefined)) {
    throw failure('usage', 'MALFORMED', 'give at most one of --policy and --log-key, and --origin without --log-key');
  }
  const origin = tagged('proof', 'receipt', () => parseTlogProof(receipt).checkpoint.origin);
  if (opts.origin !== undefined && origin !== opts.origin) {
    throw failure('log-signature', 'UNVERIFIED', `the receipt is from the log ${origin}, not from ${opts.origin} (--origin)`);
  }
  if (opts.policy !== undefined) return { policy: await readPolicy(opts.policy), trusted: `the policy ${opts.policy}` };
  if (opts.logKey !== undefined) {
    const given = opts.logKey;
    const key = tagged('usage', '--log-key', () => parseVerifierKey(given));
    const policy = tagged('usage', '--log-key', () => parsePolicy(`log ${given}\nquorum none\n`));
    const pin = await store.get(key.name);
    if (pin !== undefined && pin.logKey !== given) {
      throw failure(
        'consistency',
        'INCONSISTENT',
        `REFUSED: --log-key ${given} is not the key pinned for the log ${key.name} in ${store.pinPath(key.name)}:\n    ${pin.logKey}\n` +
          'A log never changes its key: one of the two is another log posing as it.',
      );
    }
    return { policy, trusted: `the given log key ${given}` };
  }
  const pin = await store.get(origin);
  if (pin === undefined) {
    throw failure(
      opts.origin === undefined ? 'usage' : 'log-signature',
      'NOT_FOUND',
      `no --policy or --log-key given and no key pinned for the log ${origin} in ${store.dir}; give --policy or --log-key, or run \`stamplog check\` against the log once`,
    );
  }
  return { policy: parsePolicy(`log ${pin.logKey}\nquorum none\n`), trusted: `the key pinned for ${origin} in the trust store (${pin.logKey})` };
}

/** Offline consistency: a receipt checkpoint of the pinned size must carry the pinned root. */
async function checkAgainstPin(store: TrustStore, receipt: Uint8Array): Promise<void> {
  const { note, checkpoint } = parseTlogProof(receipt);
  const pin = await store.get(checkpoint.origin);
  if (pin?.checkpoint === undefined) return;
  const pinned = openCheckpoint(pin.checkpoint, ed25519NoteVerifier(pin.logKey)).checkpoint;
  if (pinned.size === checkpoint.size && !hashEqual(pinned.rootHash, checkpoint.rootHash)) {
    await store.observe(checkpoint.origin, note, () => Promise.reject(new Error('offline')));
  }
}

export async function verifyFile(file: string, opts: VerifyOptions): Promise<void> {
  const proofPath = opts.proof ?? `${file}.tlog-proof`;
  const req: ArtifactRequirements = {
    publisherKeys: opts.publisherKey.map(parsePublisherPin),
    ...(opts.vetters === undefined ? {} : { vetters: parseVetters(opts.vetters, opts.verdicts?.split(',') ?? DEFAULT_VERDICTS) }),
    ...(opts.minAge === undefined ? {} : { minAgeMs: parseDuration(opts.minAge) }),
  };
  const receipt = await readFile(proofPath);
  const store = new TrustStore();
  const { policy, trusted } = await policyFor(opts, receipt, store);
  const signatures = [...opts.signature];
  if (signatures.length === 0 && req.publisherKeys.length > 0 && (await exists(`${file}.signature.tlog-proof`))) signatures.push(`${file}.signature.tlog-proof`);
  const vettings = [...opts.vetting];
  if (vettings.length === 0 && req.vetters !== undefined && (await exists(`${file}.vetting.tlog-proof`))) vettings.push(`${file}.vetting.tlog-proof`);
  const load = (paths: string[]) => Promise.all(paths.map(async (name) => ({ name, receipt: await readFile(name) })));
  const evidence = { receipt, signatures: await load(signatures), vettings: await load(vettings) };
  const digest = await hashFile(file);

  const v = verifyArtifact(digest, evidence, { policy, requirements: req, now: Date.now() });
  await checkAgainstPin(store, receipt);

  const { entry, checkpoint, index, witnesses } = v.receipt;
  const subject = entry.subject;
  if (filenameKey(subject.filename) !== filenameKey(basename(file))) process.stderr.write(`stamplog: note: the file is named ${basename(file)}, the entry names ${visibleName(subject.filename)}\n`);
  const extras: string[] = [];
  if (witnesses.length > 0) extras.push(`cosigned by ${witnesses.map((x) => x.name).join(', ')}`);
  if (entry.sig !== undefined) extras.push(`signed by ${toBase64(entry.sig.key)}`);
  if (v.publisher !== undefined) extras.push(`publisher key ${v.publisher.label} (${v.publisher.kind} entry ${v.publisher.index})`);
  if (v.vetters.length > 0) extras.push(`vetted by ${v.vetters.map((x) => `${x.label} (${x.verdict})`).join(', ')}`);
  if (req.minAgeMs !== undefined) extras.push(`age ${formatDuration(v.ageMs)}`);
  console.log(
    `OK ${visibleName(subject.filename)}: ${visibleName(subject.project)} ${visibleName(subject.version)}, sha256 ${toHex(digest.sha256)}, logged at index ${index} ` +
      `of ${checkpoint.origin} (tree size ${checkpoint.size}) at ${new Date(entry.time).toISOString()}` +
      (extras.length > 0 ? `, ${extras.join(', ')}` : '') +
      `; trusted: ${trusted}`,
  );
}

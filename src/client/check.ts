/**
 * Online checking of an artifact (DESIGN §5, `stamplog check`): is this exact digest logged, is it the ONLY
 * digest ever logged under its filename, and which signatures and vettings exist for it. Everything the
 * report lists is verified:
 *
 *   1. the log's key is pinned (trust on first use) and its current checkpoint is verified against it (and
 *      against a policy's witness quorum when one is given), then proven consistent with the pinned
 *      checkpoint (truststore.ts), and refused as a rollback if it is smaller; the report speaks of that
 *      checkpoint's tree of N leaves;
 *   2. the log's search index is asked for the digest and for every filename involved (the local name and
 *      the names under which the digest is logged), all pages; filenames are one file when their NFC forms
 *      are equal (filenameKey), as the log's search compares them;
 *   3. each hit below N is re-encoded from its JSON into the canonical leaf (DESIGN §3), and that leaf is
 *      proven included under the checkpoint's root with an inclusion proof fetched from the log; statement
 *      signatures of signature and vetting entries are verified.
 *
 * What this cannot prove: that the search index is complete (a log could omit hits). Monitors, which read
 * every leaf through the tiles, close that gap; the check still never prints an unproven entry.
 */
import { toHex } from '../base/index.ts';
import { filenameKey, makeEntry, encodeLeaf, parseSubmission, visibleName, verifyStatement } from '../leaf/index.ts';
import type { Entry } from '../leaf/index.ts';
import { leafHash, verifyInclusion } from '../merkle/index.ts';
import type { Checkpoint, Policy } from '../note/index.ts';
import { verifyCheckpointWithPolicy } from '../note/index.ts';
import { failure, tagged, receiptCheck } from '../verify/index.ts';
import type { LogClient, SearchHit } from './http.ts';
import type { TrustStore } from './truststore.ts';

/** An entry proven included under the report's checkpoint. */
export interface ProvenEntry {
  index: number;
  leafHash: string;
  entry: Entry;
  /** For signed entries: whether the statement signature verifies (the log checks it before logging). */
  signatureValid?: boolean;
}

export interface CheckReport {
  origin: string;
  logKey: string;
  /** True when this check pinned the log key (trust on first use). */
  firstUse: boolean;
  checkpoint: Checkpoint;
  sha256: string;
  /** The filenames searched: the local name and every name the digest is logged under (one spelling per NFC form). */
  filenames: string[];
  /** Artifact entries with this digest. */
  artifacts: ProvenEntry[];
  signatures: ProvenEntry[];
  vettings: ProvenEntry[];
  /** Entries under one of `filenames` (in any spelling of the same NFC form) with ANOTHER digest: evidence of substitution. */
  conflicts: ProvenEntry[];
}

export interface CheckOptions {
  /** A trust policy whose log and witness quorum the checkpoint must satisfy. */
  policy?: Policy;
  /** Most inclusion proofs fetched at once (default 8). */
  concurrency?: number;
  /** Called once the log key is pinned on first use. */
  onFirstUse?: (origin: string, logKey: string) => void;
}

/** Re-encodes a search hit into its leaf and returns the entry and leaf hash (throws `proof` on any mismatch). */
export function leafOfHit(hit: SearchHit): { entry: Entry; leafHash: Uint8Array } {
  return tagged('proof', `entry ${hit.index}`, () => {
    const { v, time, ...sub } = hit.entry as unknown as Record<string, unknown>;
    if (v !== 1 || typeof time !== 'number') throw failure('proof', 'MALFORMED', `entry ${hit.index}: not a version 1 entry with a time`);
    // `logged`: an entry logged before the intake rules for names must still be provable.
    const entry = makeEntry(parseSubmission(sub, { logged: true }), time);
    const hash = leafHash(encodeLeaf(entry));
    if (toHex(hash) !== hit.leafHash) {
      throw failure('proof', 'PROOF_MISMATCH', `entry ${hit.index}: the entry the log shows does not hash to the leaf hash it lists`);
    }
    return { entry, leafHash: hash };
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Checks `file` against the log behind `client`; see the module comment. */
export async function checkArtifact(
  client: LogClient,
  store: TrustStore,
  file: { sha256: Uint8Array; size: number; filename: string },
  opts: CheckOptions = {},
): Promise<CheckReport> {
  // 1. Pin the key, verify and pin the checkpoint.
  const info = await client.info();
  if (opts.policy !== undefined && !opts.policy.logs.some((l) => l.key.name === info.origin)) {
    throw failure('log-signature', 'UNVERIFIED', `the log at ${client.url} has origin ${info.origin}, for which the policy lists no log`);
  }
  const { logKey, firstUse } = await store.pinKey(info.origin, info.logKey);
  if (firstUse) opts.onFirstUse?.(info.origin, logKey);
  const note = await client.checkpoint();
  if (opts.policy !== undefined) {
    const policy = opts.policy;
    tagged(receiptCheck, 'checkpoint', () => verifyCheckpointWithPolicy(policy, note, { origin: info.origin }));
  }
  const { checkpoint } = await store.observe(info.origin, note, (a, b) => client.consistencyProof(a, b), { current: true });
  const size = checkpoint.size;

  // 2. Search.
  const sha256 = toHex(file.sha256);
  const hits = new Map<number, SearchHit>();
  const add = (list: SearchHit[]) => {
    for (const h of list) if (h.index < size) hits.set(h.index, h);
  };
  add(await client.searchAll({ sha256 }));
  // One spelling per file (NFC key), the first seen: the local name first.
  const filenames = new Map<string, string>([[filenameKey(file.filename), file.filename]]);
  for (const h of hits.values()) {
    const name = h.entry.subject?.filename;
    if (typeof name === 'string' && !filenames.has(filenameKey(name))) filenames.set(filenameKey(name), name);
  }
  for (const name of filenames.values()) add(await client.searchAll({ filename: name }));

  // 3. Prove every hit.
  const proven = await mapLimit([...hits.values()].sort((a, b) => a.index - b.index), opts.concurrency ?? 8, async (hit) => {
    const { entry, leafHash: hash } = leafOfHit(hit);
    const proof = await client.inclusionProof(hit.index, size);
    tagged('proof', `entry ${hit.index}: inclusion proof under the checkpoint of size ${size}`, () =>
      verifyInclusion(hash, hit.index, size, proof, checkpoint.rootHash),
    );
    const p: ProvenEntry = { index: hit.index, leafHash: hit.leafHash, entry };
    if (entry.sig !== undefined) p.signatureValid = verifyStatement(entry.sig.key, entry, entry.sig.sig);
    return p;
  });

  const mine = proven.filter((p) => toHex(p.entry.subject.sha256) === sha256);
  const report: CheckReport = {
    origin: info.origin,
    logKey,
    firstUse,
    checkpoint,
    sha256,
    filenames: [...filenames.values()],
    artifacts: mine.filter((p) => p.entry.kind === 'artifact'),
    signatures: mine.filter((p) => p.entry.kind === 'signature'),
    vettings: mine.filter((p) => p.entry.kind === 'vetting'),
    conflicts: proven.filter((p) => toHex(p.entry.subject.sha256) !== sha256 && filenames.has(filenameKey(p.entry.subject.filename))),
  };
  return report;
}

/** Throws (`not-logged` or `contested`) unless the report shows the digest logged and uncontested. */
export function judgeReport(r: CheckReport, fileSize: number): void {
  if (r.conflicts.length > 0) {
    const others = [...new Set(r.conflicts.map((c) => toHex(c.entry.subject.sha256)))];
    throw failure(
      'contested',
      'INCONSISTENT',
      `CONTESTED: the log holds ${others.length} other digest${others.length === 1 ? '' : 's'} under the filename ${r.filenames.map((f) => JSON.stringify(visibleName(f))).join(', ')}: ` +
        `${others.join(', ')}${r.artifacts.length === 0 ? '; and this file\'s digest is not logged at all' : ''}. ` +
        'One filename must name one file: this is a substitution (or a re-upload that the index should never allow).',
    );
  }
  if (r.artifacts.length === 0) {
    throw failure(
      'not-logged',
      'NOT_FOUND',
      `NOT LOGGED: no artifact entry with SHA-256 ${r.sha256} (size ${fileSize}) in the log ${r.origin} of ${r.checkpoint.size} entries`,
    );
  }
}

/**
 * Offline verification of an artifact (DESIGN §5, `stamplog verify`): given the file's digest and size, its
 * receipt, optional receipts of `signature` and `vetting` entries, a trust policy (C2SP tlog-policy) and the
 * user's requirements, checks in this order and stops at the first failure, tagged with what failed
 * (failure.ts):
 *
 *   1. log-signature   the receipt's checkpoint is signed by a log of the policy, named after its origin
 *   2. witness-quorum  and cosigned by the policy's witness quorum
 *   3. proof           the receipt's leaf is included under that checkpoint, is canonical, and is an artifact
 *   4. file            the leaf's SHA-256 and size are the file's
 *   5. publisher-key   (if keys are pinned for the entry's project) the artifact entry, or a verified
 *                      `signature` entry for the same subject, carries a valid statement signature by a pinned key
 *   6. vetters         (if required) k distinct listed vetters have verified `vetting` entries for the same
 *                      subject with an accepted verdict
 *   7. min-age         (if required) the entry's log time is at least that old at `now`
 *
 * Signature and vetting receipts are held to the same policy as the artifact's. Names are compared as the
 * index compares them (src/leaf/names.ts): a pin for `Requests` applies to the project `requests`, and a
 * signature entry about `Requests` and a filename in NFD is about the artifact `requests` in NFC. Nothing here
 * touches the network; the clock is the caller's `now`.
 */
import { isStamplogError, toBase64, toHex } from '../base/index.ts';
import type { StamplogError } from '../base/index.ts';
import { filenameKey, projectKey, verifyStatement } from '../leaf/index.ts';
import type { Entry, Subject } from '../leaf/index.ts';
import type { Policy } from '../note/index.ts';
import type { FailedCheck } from './failure.ts';
import { failure, tagged } from './failure.ts';
import { verifyReceipt } from './receipt.ts';
import type { VerifiedReceipt } from './receipt.ts';
import { formatDuration } from './requirements.ts';
import type { ArtifactRequirements } from './requirements.ts';

/** Evidence for an artifact: its receipt, and receipts of signature and vetting entries (text or bytes). */
export interface ArtifactEvidence {
  receipt: string | Uint8Array;
  /** Receipts of `signature` entries, each with a name for messages (a file path). */
  signatures?: readonly { name: string; receipt: string | Uint8Array }[];
  vettings?: readonly { name: string; receipt: string | Uint8Array }[];
}

/** What a successful verification established. */
export interface ArtifactVerification {
  receipt: VerifiedReceipt;
  /** The pinned publisher key that signed, and in which entry (absent when no key is pinned). */
  publisher?: { label: string; index: number; kind: 'artifact' | 'signature' };
  /** The vetters that counted. */
  vetters: { label: string; index: number; verdict: string }[];
  ageMs: number;
}

/** Maps a verifyReceipt failure to the check it belongs to. */
export function receiptCheck(e: StamplogError): FailedCheck {
  if (e.code === 'UNVERIFIED' || e.code === 'INVALID_SIGNATURE') return 'log-signature';
  if (e.code === 'POLICY_UNSATISFIED') return 'witness-quorum';
  return 'proof';
}

/**
 * True iff two subjects are the same file record: the same project and filename as the index compares them
 * (projectKey, filenameKey), the same version as spelled, the same digest and size.
 */
export function sameSubject(a: Subject, b: Subject): boolean {
  return (
    projectKey(a.project) === projectKey(b.project) &&
    a.version === b.version &&
    filenameKey(a.filename) === filenameKey(b.filename) &&
    a.size === b.size &&
    toHex(a.sha256) === toHex(b.sha256)
  );
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function validSignature(e: Entry): boolean {
  if (e.sig === undefined) return false;
  try {
    return verifyStatement(e.sig.key, e, e.sig.sig);
  } catch {
    return false;
  }
}

/** What an artifact is verified against (verifyArtifact). */
export interface VerifyArtifactOptions {
  /** The trust policy every receipt must satisfy. */
  policy: Policy;
  /** The user's requirements: publisher key pins, vetters, minimum age. */
  requirements: ArtifactRequirements;
  /** The time (ms since the epoch) the minimum age is measured at. */
  now: number;
}

/**
 * Verifies the artifact `file` (its SHA-256 and size) by `evidence` offline; see the module comment. Throws a
 * tagged StamplogError naming what failed.
 */
export function verifyArtifact(file: { sha256: Uint8Array; size: number }, evidence: ArtifactEvidence, opts: VerifyArtifactOptions): ArtifactVerification {
  const { policy, requirements: req, now } = opts;
  // 1–3.
  const receipt = tagged(receiptCheck, 'receipt', () => verifyReceipt(evidence.receipt, policy));
  const entry = receipt.entry;
  if (entry.kind !== 'artifact') throw failure('proof', 'PROOF_MISMATCH', `receipt: the entry at index ${receipt.index} is a ${entry.kind} entry, not an artifact`);
  // 4.
  const subject = entry.subject;
  if (toHex(subject.sha256) !== toHex(file.sha256)) {
    throw failure('file', 'PROOF_MISMATCH', `file: SHA-256 ${toHex(file.sha256)} is not the logged ${toHex(subject.sha256)} (the file was modified or is another file)`);
  }
  if (subject.size !== file.size) throw failure('file', 'PROOF_MISMATCH', `file: size ${file.size} is not the logged ${subject.size}`);

  // Receipts for other entries about the same subject, verified against the same policy.
  const related = (kind: 'signature' | 'vetting', list: ArtifactEvidence['signatures'], check: FailedCheck) =>
    (list ?? []).map(({ name, receipt: r }) => {
      let v: VerifiedReceipt;
      try {
        v = verifyReceipt(r, policy);
      } catch (e) {
        throw failure(check, isStamplogError(e) ? e.code : 'PROOF_MISMATCH', `${kind} receipt ${name}: ${(e as Error).message}`, { cause: e });
      }
      if (v.entry.kind !== kind) throw failure(check, 'PROOF_MISMATCH', `${kind} receipt ${name}: the entry at index ${v.index} is a ${v.entry.kind} entry`);
      if (!sameSubject(v.entry.subject, subject)) {
        throw failure(check, 'PROOF_MISMATCH', `${kind} receipt ${name}: its entry (index ${v.index}) is about another file or release than the artifact`);
      }
      return v;
    });

  // 5.
  let publisher: ArtifactVerification['publisher'];
  const project = projectKey(subject.project);
  const pins = req.publisherKeys.filter((p) => p.project === undefined || projectKey(p.project) === project);
  if (req.publisherKeys.length > 0) {
    if (pins.length === 0) {
      throw failure('publisher-key', 'POLICY_UNSATISFIED', `publisher key: no key is pinned for the project ${JSON.stringify(subject.project)} of this entry`);
    }
    const candidates: { entry: Entry; index: number; kind: 'artifact' | 'signature' }[] = [{ entry, index: receipt.index, kind: 'artifact' }];
    for (const v of related('signature', evidence.signatures, 'publisher-key')) candidates.push({ entry: v.entry, index: v.index, kind: 'signature' });
    for (const c of candidates) {
      const sig = c.entry.sig;
      if (sig === undefined || !validSignature(c.entry)) continue;
      const pin = pins.find((p) => sameKey(p.key, sig.key));
      if (pin !== undefined) {
        publisher = { label: pin.label, index: c.index, kind: c.kind };
        break;
      }
    }
    if (publisher === undefined) {
      const seen = candidates.filter((c) => c.entry.sig !== undefined).map((c) => `${toBase64(c.entry.sig!.key)} (index ${c.index})`);
      throw failure(
        'publisher-key',
        'POLICY_UNSATISFIED',
        `publisher key: ${subject.project} is pinned to ${pins.map((p) => p.label).join(' or ')}, but ` +
          (seen.length === 0 ? 'the entry is unsigned and no signature receipt was given' : `the only signatures are by ${seen.join(', ')}, which is not pinned`),
      );
    }
  }

  // 6.
  const vetters: ArtifactVerification['vetters'] = [];
  if (req.vetters !== undefined) {
    const { threshold, keys, verdicts } = req.vetters;
    const ignored: string[] = [];
    for (const v of related('vetting', evidence.vettings, 'vetters')) {
      const sig = v.entry.sig;
      const key = sig === undefined ? undefined : keys.find((k) => sameKey(k.key, sig.key));
      const verdict = v.entry.verdict ?? '';
      if (key === undefined) ignored.push(`index ${v.index}: vetter not listed`);
      else if (!validSignature(v.entry)) ignored.push(`index ${v.index}: bad signature`);
      else if (!verdicts.includes(verdict)) ignored.push(`index ${v.index}: verdict ${JSON.stringify(verdict)} by ${key.label}`);
      else if (!vetters.some((x) => x.label === key.label)) vetters.push({ label: key.label, index: v.index, verdict });
    }
    if (vetters.length < threshold) {
      throw failure(
        'vetters',
        'POLICY_UNSATISFIED',
        `vetters: ${vetters.length} of the required ${threshold} (of ${keys.length} listed) vetted this artifact with a verdict of ${verdicts.join(' or ')}` +
          (ignored.length > 0 ? `; not counted: ${ignored.join('; ')}` : '') +
          ((evidence.vettings ?? []).length === 0 ? '; no --vetting receipt was given' : ''),
      );
    }
  }

  // 7.
  const ageMs = now - entry.time;
  if (req.minAgeMs !== undefined && ageMs < req.minAgeMs) {
    throw failure(
      'min-age',
      'POLICY_UNSATISFIED',
      `minimum age: the entry was logged at ${new Date(entry.time).toISOString()}, ${formatDuration(ageMs)} ago, less than the required ${formatDuration(req.minAgeMs)}`,
    );
  }
  return publisher === undefined ? { receipt, vetters, ageMs } : { receipt, publisher, vetters, ageMs };
}

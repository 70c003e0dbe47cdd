// fast-check arbitraries of valid entries and submissions (shared by the test/leaf suites).
import fc from 'fast-check';
import { LIMITS, textProblem } from '../../src/leaf/schema.ts';
import { filenameProblem, invisibleCharacterProblem } from '../../src/leaf/names.ts';
import type { Claims, Entry, EntryKind, PublisherSignature, Submission } from '../../src/leaf/types.ts';

/** Boundary values of CBOR integer heads, plus arbitrary safe integers. */
export const uintArb = (max: number = LIMITS.maxUint): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, max).filter((n) => n <= max),
    fc.integer({ min: 0, max: Math.min(max, 2 ** 31) }),
    fc.double({ min: 0, max, noNaN: true }).map(Math.floor),
  );

/** Valid entry text of at most `maxBytes` UTF-8 bytes: any Unicode, control characters excluded. */
export const textArb = (maxBytes: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    )
    .map((s) => s.replace(/\p{Cc}/gu, 'x'))
    .filter((s) => textProblem(s, maxBytes) === undefined);

const bytesArb = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

export const claimsArb: fc.Arbitrary<Claims | undefined> = fc.option(
  fc
    .record({ uploadedAt: fc.option(uintArb(LIMITS.maxUploadedAtMs), { nil: undefined }), backfill: fc.option(fc.constant(true as const), { nil: undefined }) })
    .filter((c) => c.uploadedAt !== undefined || c.backfill !== undefined)
    .map((c) => {
      const out: { uploadedAt?: number; backfill?: true } = {};
      if (c.uploadedAt !== undefined) out.uploadedAt = c.uploadedAt;
      if (c.backfill !== undefined) out.backfill = c.backfill;
      return out as Claims;
    }),
  { nil: undefined },
);

export const sigArb: fc.Arbitrary<PublisherSignature> = fc.record({ alg: fc.constant('ed25519' as const), key: bytesArb(32), sig: bytesArb(64) });

export const verdictArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

/** Arbitrary valid submissions (signatures well-shaped but not valid: the leaf format does not verify). */
export const submissionArb: fc.Arbitrary<Submission> = fc
  .record({
    kind: fc.constantFrom<EntryKind>('artifact', 'signature', 'vetting'),
    subject: fc.record({
      project: textArb(LIMITS.projectBytes),
      version: textArb(LIMITS.versionBytes),
      filename: textArb(LIMITS.filenameBytes),
      sha256: bytesArb(32),
      size: uintArb(),
    }),
    claims: claimsArb,
    sig: sigArb,
    withSig: fc.boolean(),
    verdict: verdictArb,
  })
  .map(({ kind, subject, claims, sig, withSig, verdict }) => {
    // Spread: fc.record may build null-prototype objects, which deepStrictEqual tells apart.
    const s: { -readonly [K in keyof Submission]: Submission[K] } = { kind, subject: { ...subject } };
    if (claims !== undefined) s.claims = claims;
    if (kind !== 'artifact' || withSig) s.sig = { ...sig };
    if (kind === 'vetting') s.verdict = verdict;
    return s;
  });

/** Arbitrary valid NEW submissions: also within the intake rules for names (src/leaf/names.ts). */
export const newSubmissionArb: fc.Arbitrary<Submission> = submissionArb.filter(
  ({ subject: s }) => invisibleCharacterProblem(s.project) === undefined && invisibleCharacterProblem(s.version) === undefined && filenameProblem(s.filename) === undefined,
);

/** Arbitrary valid entries (as a log may hold them: names logged before the intake rules included). */
export const entryArb: fc.Arbitrary<Entry> = fc
  .tuple(submissionArb, uintArb())
  .map(([s, time]) => ({ v: 1 as const, time, ...s }));

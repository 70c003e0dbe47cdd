/**
 * Evidence that a log broke its promise: two checkpoints, both signed by the log's key, that no append-only log
 * can have published. An evidence file verifies on its own and trusts no monitor: with nothing but the log's
 * verifier key for the kinds `same-size` and `not-extension` (equivocation), and with the log's key and the key
 * of the signed times for `rollback`.
 *
 *     {
 *       "type": "stamplog-evidence/v1",
 *       "origin": "example.test/log",
 *       "checkpoints": [ "<signed note, size m>", "<signed note, size n>" ],      m ≤ n, either order
 *       "nodes": [ { "level": 2, "index": 0, "hash": "<base64>", "proof": ["<base64>", …] }, … ],
 *       "kind": "rollback",                                 optional; required for rollback evidence
 *       "observed": { … }                                   optional, informative only, never verified
 *     }
 *
 * What it proves (RFC 9162 §2.1.4: tree n extends tree m iff MTH(D_n[0:m]) equals root m):
 * - m = n: the roots differ. `nodes` is empty.
 * - m < n: `nodes` are the perfect subtrees of [0, m) (src/merkle treeHashNodes(m), largest first) *as tree n
 *   has them*, each with its audit path in tree n (nodeproof.ts), so each verifies against root n. Their fold is
 *   MTH(D_n[0:m]); it differs from root m, so tree n does not extend tree m. (A consistency proof that fails to
 *   verify proves nothing by itself, since anyone can write a bad proof; these paths cannot be forged without
 *   breaking SHA-256.)
 * - rollback (m < n, `kind` "rollback", `nodes` empty): a cosigner the verifier trusts for signed times (C2SP
 *   tlog-cosignature: the log's own timestamp key, or a witness) signed both checkpoints, and signed the smaller
 *   tree at a later time (whole seconds, strictly later) than the larger one: the log went back to a smaller
 *   tree after publishing a larger one, as a log restored from an old backup does. The trees may well be
 *   consistent; the proof is the order in time, which only a signed time shows (two checkpoints alone do not:
 *   a smaller one may simply be older, and anyone can replay it). Which cosigners are trusted is the verifier's
 *   choice (`timeVerifiers`: a monitor passes its policy's witness keys), never the file's.
 * `checkConsistency` decides the question for two verified checkpoints from the larger tree's tiles and, when
 * they are inconsistent, returns exactly this evidence; `rollbackEvidence` builds the rollback kind.
 */
import { createHash } from 'node:crypto';
import { StamplogError, isStamplogError, fromBase64, toBase64 } from '../../src/base/index.ts';
import { hashEqual, proveInclusionAsync, storedHashIndex, treeHashFromHashes, treeHashNodes } from '../../src/merkle/index.ts';
import type { AsyncHashReader, Hash } from '../../src/merkle/index.ts';
import { cosignatureTimestamp, ed25519NoteVerifier, openCheckpoint, parseVerifierKey } from '../../src/note/index.ts';
import type { Checkpoint, CosignatureVerifier, NoteVerifier, VerifierKey } from '../../src/note/index.ts';
import { nodeProofFromLeafProof, rootFromNodeProof } from './nodeproof.ts';
import type { NodeId } from './nodeproof.ts';

export const EVIDENCE_TYPE = 'stamplog-evidence/v1';
/** Most border nodes (a tree of ≤ 2^52 leaves has at most 52) and proof hashes per node. */
const MAX_NODES = 53;
const MAX_PROOF = 64;

export interface EvidenceNode {
  level: number;
  index: number;
  /** Base64 of the node's 32-byte hash in the larger tree. */
  hash: string;
  /** Base64 hashes of its audit path in the larger tree. */
  proof: string[];
}

export interface Evidence {
  type: typeof EVIDENCE_TYPE;
  origin: string;
  checkpoints: [string, string];
  nodes: EvidenceNode[];
  /** Present for rollback evidence (the other kinds follow from the checkpoints). */
  kind?: 'rollback';
  observed?: Record<string, unknown>;
}

export type EvidenceKind = 'same-size' | 'not-extension' | 'rollback';

/** What verifyEvidence established. */
export interface VerifiedEvidence {
  /** Stable identity: SHA-256 of the two checkpoint texts in canonical order (hex). */
  id: string;
  origin: string;
  older: Checkpoint;
  newer: Checkpoint;
  /**
   * `same-size`: equal sizes, different roots; `not-extension`: the larger tree does not extend the smaller;
   * `rollback`: the smaller tree was signed later than the larger one (see the module comment).
   */
  kind: EvidenceKind;
  /** For rollback: the signed times (seconds) of the larger and of the smaller checkpoint, and their cosigner. */
  signedAt?: { larger: number; smaller: number; by: string };
}

/** Options of verifyEvidence. */
export interface VerifyEvidenceOptions {
  /** Cosigners trusted for signed times (rollback evidence); without any, rollback evidence does not verify. */
  readonly timeVerifiers?: readonly CosignatureVerifier[];
}

/** A checkpoint as the monitor holds it: the signed note and what it says. */
export interface SignedCheckpoint {
  readonly note: string;
  readonly checkpoint: Checkpoint;
}

function bad(message: string): StamplogError {
  return new StamplogError('MALFORMED', `evidence: ${message}`);
}

function asVerifier(key: string | VerifierKey | NoteVerifier): NoteVerifier {
  if (typeof key === 'string') return ed25519NoteVerifier(parseVerifierKey(key));
  if ('verify' in key) return key;
  return ed25519NoteVerifier(key);
}

function hash32(s: unknown, what: string): Hash {
  const b = typeof s === 'string' ? fromBase64(s, 32) : undefined;
  if (b === undefined) throw bad(`${what} is not base64 of 32 bytes`);
  return b;
}

function order(a: Checkpoint, b: Checkpoint): number {
  if (a.size !== b.size) return a.size - b.size;
  for (let i = 0; i < 32; i++) if (a.rootHash[i] !== b.rootHash[i]) return a.rootHash[i] - b.rootHash[i];
  return 0;
}

/** The identity of a pair of checkpoints, whatever their order and signature lines (hex SHA-256). */
export function pairId(a: Checkpoint, b: Checkpoint): string {
  const [x, y] = order(a, b) <= 0 ? [a, b] : [b, a];
  const text = (c: Checkpoint) => `${c.origin}\n${c.size}\n${toBase64(c.rootHash)}\n`;
  return createHash('sha256').update(`${text(x)}\n${text(y)}`).digest('hex');
}

/** The identity of rollback evidence about a pair (never that of equivocation evidence about the same pair). */
export function rollbackId(a: Checkpoint, b: Checkpoint): string {
  return createHash('sha256').update(`rollback\n${pairId(a, b)}`).digest('hex');
}

/**
 * The time (seconds) at which each cosigner among `verifiers` signed the note `note` of the log `logVerifier`
 * (the note must verify with the log's key).
 */
function signedTimes(note: string, logVerifier: NoteVerifier, origin: string, verifiers: readonly CosignatureVerifier[]): Map<CosignatureVerifier, number> {
  const opened = openCheckpoint(note, logVerifier, { origin, verifiers });
  const out = new Map<CosignatureVerifier, number>();
  for (const s of opened.note.verified) {
    const v = verifiers.find((x) => x === s.verifier);
    if (v !== undefined) out.set(v, cosignatureTimestamp(s.signature));
  }
  return out;
}

/**
 * The cosigner among `verifiers` that signed both `larger` and `smaller` and signed `smaller` strictly later,
 * with both times; undefined if none did.
 */
function laterSmaller(
  larger: string,
  smaller: string,
  logVerifier: NoteVerifier,
  origin: string,
  verifiers: readonly CosignatureVerifier[],
): { by: CosignatureVerifier; larger: number; smaller: number } | undefined {
  if (verifiers.length === 0) return undefined;
  const tl = signedTimes(larger, logVerifier, origin, verifiers);
  const ts = signedTimes(smaller, logVerifier, origin, verifiers);
  for (const [v, t] of ts) {
    const before = tl.get(v);
    if (before !== undefined && t > before) return { by: v, larger: before, smaller: t };
  }
  return undefined;
}

/** What rollbackEvidence needs besides the two checkpoints. */
export interface RollbackContext {
  /** The log's key; both checkpoints must be signed by it. */
  logKey: string | VerifierKey | NoteVerifier;
  /** Cosigners trusted as time sources (the log's timestamp key, witnesses). */
  timeVerifiers: readonly CosignatureVerifier[];
  /** Where and how the smaller checkpoint was seen, kept in the evidence as is. */
  observed?: Record<string, unknown>;
}

/**
 * Rollback evidence (see the module comment) if `held` is larger than `served` and a cosigner among
 * `timeVerifiers` signed `served` strictly later than `held`; else undefined. Both must be checkpoints of the
 * log `logKey` (verified by the caller; verified again here).
 */
export function rollbackEvidence(held: SignedCheckpoint, served: SignedCheckpoint, { logKey, timeVerifiers, observed }: RollbackContext): Evidence | undefined {
  if (served.checkpoint.size >= held.checkpoint.size) return undefined;
  const origin = held.checkpoint.origin;
  if (laterSmaller(held.note, served.note, asVerifier(logKey), origin, timeVerifiers) === undefined) return undefined;
  return { type: EVIDENCE_TYPE, origin, checkpoints: [held.note, served.note], nodes: [], kind: 'rollback', ...(observed === undefined ? {} : { observed }) };
}

/**
 * Verifies that `evidence` (parsed JSON) proves that the log with verifier key `logKey` signed two checkpoints no
 * append-only log can have published; returns what it shows. Throws MALFORMED for a malformed file, UNVERIFIED
 * or INVALID_SIGNATURE when a checkpoint is not signed by that key (or has another origin), PROOF_MISMATCH when a
 * node proof fails, UNVERIFIED when the two checkpoints are in fact consistent (not evidence) or, for rollback
 * evidence, when no cosigner of `opts.timeVerifiers` signed the smaller tree later than the larger one.
 */
export function verifyEvidence(evidence: unknown, logKey: string | VerifierKey | NoteVerifier, opts: VerifyEvidenceOptions = {}): VerifiedEvidence {
  if (typeof evidence !== 'object' || evidence === null || Array.isArray(evidence)) throw bad('not a JSON object');
  const e = evidence as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!['type', 'origin', 'checkpoints', 'nodes', 'kind', 'observed'].includes(k)) throw bad(`unknown field ${JSON.stringify(k)}`);
  if (e.type !== EVIDENCE_TYPE) throw bad(`type is not ${EVIDENCE_TYPE}`);
  if (typeof e.origin !== 'string') throw bad('origin is not a string');
  if (e.kind !== undefined && e.kind !== 'rollback') throw bad('kind, if present, must be "rollback"');
  const cps = e.checkpoints;
  if (!Array.isArray(cps) || cps.length !== 2 || cps.some((c) => typeof c !== 'string')) throw bad('checkpoints must be two signed notes');
  const verifier = asVerifier(logKey);
  const opened = (cps as string[]).map((note) => openCheckpoint(note, verifier, { origin: e.origin as string }).checkpoint);
  const [older, newer] = order(opened[0], opened[1]) <= 0 ? [opened[0], opened[1]] : [opened[1], opened[0]];
  const nodes = e.nodes ?? [];
  if (!Array.isArray(nodes) || nodes.length > MAX_NODES) throw bad('nodes must be an array of at most 53 nodes');
  if (e.kind === 'rollback') {
    if (nodes.length !== 0) throw bad('rollback evidence carries no nodes');
    if (older.size === newer.size) throw bad('rollback evidence needs two tree sizes');
    const [larger, smaller] = opened[0].size > opened[1].size ? [cps[0] as string, cps[1] as string] : [cps[1] as string, cps[0] as string];
    const t = laterSmaller(larger, smaller, verifier, e.origin, opts.timeVerifiers ?? []);
    if (t === undefined) {
      throw new StamplogError('UNVERIFIED', `evidence: no trusted cosigner signed the tree of size ${older.size} later than the tree of size ${newer.size}`);
    }
    return { id: rollbackId(older, newer), origin: older.origin, older, newer, kind: 'rollback', signedAt: { larger: t.larger, smaller: t.smaller, by: t.by.name } };
  }
  const id = pairId(older, newer);
  if (older.size === newer.size) {
    if (nodes.length !== 0) throw bad('same-size evidence carries no nodes');
    // Two trees of one size with different roots.
    if (hashEqual(older.rootHash, newer.rootHash)) throw new StamplogError('UNVERIFIED', 'evidence: the checkpoints are the same tree head');
    return { id, origin: older.origin, older, newer, kind: 'same-size' };
  }
  const want = treeHashNodes(older.size);
  if (nodes.length !== want.length) throw bad(`expected ${want.length} nodes (the subtrees of [0, ${older.size}))`);
  const hashes: Hash[] = [];
  nodes.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw bad(`node ${i} is not an object`);
    const n = raw as Record<string, unknown>;
    if (n.level !== want[i].level || n.index !== want[i].index) throw bad(`node ${i} is not subtree (${want[i].level}, ${want[i].index})`);
    const h = hash32(n.hash, `node ${i} hash`);
    if (!Array.isArray(n.proof) || n.proof.length > MAX_PROOF) throw bad(`node ${i} proof must be an array of at most 64 hashes`);
    const proof = n.proof.map((p: unknown, j) => hash32(p, `node ${i} proof[${j}]`));
    const root = rootFromNodeProof(want[i], h, newer.size, proof);
    if (!hashEqual(root, newer.rootHash)) {
      throw new StamplogError('PROOF_MISMATCH', `evidence: node ${i} does not verify against the root of size ${newer.size}`);
    }
    hashes.push(h);
  });
  // MTH(D_n[0:m]) as tree n has it, against root m.
  if (hashEqual(treeHashFromHashes(older.size, hashes), older.rootHash)) {
    throw new StamplogError('UNVERIFIED', `evidence: tree ${newer.size} extends tree ${older.size}; the checkpoints are consistent`);
  }
  return { id, origin: older.origin, older, newer, kind: 'not-extension' };
}

/** The outcome of checkConsistency. */
export type ConsistencyResult = { consistent: true } | { consistent: false; evidence: Evidence; id: string };

/**
 * Decides whether the verified checkpoints `a` and `b` (same origin, either order) can come from one append-only
 * tree, reading the larger tree's hashes from `largerReader` (authenticated against that tree's root, e.g.
 * TileClient.tileReader). Inconsistent pairs come back with self-contained evidence (see the module comment).
 * Reader failures propagate: a tree nobody serves decides nothing.
 */
export async function checkConsistency(
  a: SignedCheckpoint,
  b: SignedCheckpoint,
  largerReader: () => AsyncHashReader,
  observed?: Record<string, unknown>,
): Promise<ConsistencyResult> {
  const [older, newer] = order(a.checkpoint, b.checkpoint) <= 0 ? [a, b] : [b, a];
  const m = older.checkpoint.size;
  const n = newer.checkpoint.size;
  const make = (nodes: EvidenceNode[]): ConsistencyResult => ({
    consistent: false,
    id: pairId(older.checkpoint, newer.checkpoint),
    evidence: {
      type: EVIDENCE_TYPE,
      origin: older.checkpoint.origin,
      checkpoints: [older.note, newer.note],
      nodes,
      ...(observed === undefined ? {} : { observed }),
    },
  });
  if (m === n) return hashEqual(older.checkpoint.rootHash, newer.checkpoint.rootHash) ? { consistent: true } : make([]);
  const reader = largerReader();
  const border = treeHashNodes(m);
  const hashes = border.length === 0 ? [] : await reader.readHashes(border.map((b) => storedHashIndex(b.level, b.index)));
  if (hashEqual(treeHashFromHashes(m, hashes), older.checkpoint.rootHash)) return { consistent: true };
  const proofs = await Promise.all(
    border.map(async (node: NodeId) => nodeProofFromLeafProof(node, n, await proveInclusionAsync(node.index * 2 ** node.level, n, reader))),
  );
  return make(border.map((node, i) => ({ level: node.level, index: node.index, hash: toBase64(hashes[i]), proof: proofs[i].map(toBase64) })));
}

/** True when `e` is a StamplogError meaning "this is not valid evidence" (as opposed to an internal failure). */
export function isEvidenceRejection(e: unknown): boolean {
  return isStamplogError(e) && ['MALFORMED', 'UNVERIFIED', 'INVALID_SIGNATURE', 'PROOF_MISMATCH', 'TOO_LARGE'].includes(e.code);
}

/**
 * Trust policies, per C2SP tlog-policy (https://c2sp.org/tlog-policy; the Sigsum policy format):
 * which logs are accepted and which witness cosignatures make a checkpoint trustworthy.
 *
 *     # comment (a line whose first non-blank character is '#')
 *     log <vkey> [<url>]                         a log key, type 0x01; its name is the log's origin
 *     witness <name> <vkey> [<url>]              a witness key, type 0x04 (cosignature/v1)
 *     group <name> all|any|<k> <member>...       k of the n members (witnesses or earlier groups)
 *     quorum <name>|none                         exactly one; `none` requires no cosignature
 *
 * Fields are separated by runs of spaces and tabs; leading and trailing blanks are allowed. Strict
 * parsing (§Policy file syntax and structure), every error a MALFORMED naming its line:
 * - only tab, newline, 0x20–0x7E and non-ASCII characters (§Character set); no CR, no DEL;
 * - unknown keyword, wrong field count (so a trailing "# comment" after fields is an error, as in
 *   sigsum-go), malformed vkey, wrong key type;
 * - duplicate logs or witnesses (same Ed25519 public key, whatever the key name, §Public key
 *   representation), duplicate names (witnesses and groups share one namespace; `none` is
 *   predefined);
 * - a group member or quorum name not defined on an EARLIER line (which rules out cycles), `none`
 *   as a member, a name listed as a member more than once in the whole file (§Defining a witness
 *   group: "Each defined name can be listed as a group member at most once"), k not a canonical
 *   decimal with 1 ≤ k ≤ n, zero or several quorum lines.
 * Deviation: the spec treats non-ASCII octets as opaque; we require the file to be UTF-8 (the spec
 * "strongly recommends" it) because key names inside vkeys are hashed as UTF-8. A missing final
 * newline is accepted. Limits: {@link MAX_POLICY_BYTES} bytes and {@link MAX_POLICY_ENTRIES} logs,
 * witnesses and groups each (the spec recommends supporting at least 32); TOO_LARGE beyond.
 *
 * Evaluation walks the groups once in file order, so it is linear in the policy's size.
 */
import { StamplogError, isStamplogError, malformed, canonicalDecimal } from '../base/index.ts';
import { bytesEqual, findControl, textAndBytes } from './encoding.ts';
import { SIGNATURE_TYPE_COSIGNATURE_V1, SIGNATURE_TYPE_ED25519, ed25519NoteVerifier, parseVerifierKey } from './keys.ts';
import type { NoteVerifier, VerifierKey } from './keys.ts';
import { cosignatureTimestamp, cosignatureVerifier } from './cosignature.ts';
import { parseCheckpoint } from './checkpoint.ts';
import type { Checkpoint } from './checkpoint.ts';
import { openNote, parseNote } from './note.ts';
import type { OpenedNote } from './note.ts';

/** Largest policy file accepted, in bytes. */
export const MAX_POLICY_BYTES = 1 << 18;
/** Most logs, witnesses and groups (each) in one policy. */
export const MAX_POLICY_ENTRIES = 1024;
/** The predefined name of the empty quorum. */
export const QUORUM_NONE = 'none';

/** A `log` line. The key's name is the log's origin. */
export interface PolicyLog {
  readonly key: VerifierKey;
  readonly url?: string;
  readonly line: number;
}

/** A `witness` line. `name` is the policy-local name; `key.name` is the cosignature key name. */
export interface PolicyWitness {
  readonly name: string;
  readonly key: VerifierKey;
  readonly url?: string;
  readonly line: number;
}

/** A `group` line: satisfied when at least `threshold` of `members` are. */
export interface PolicyGroup {
  readonly name: string;
  readonly threshold: number;
  readonly members: readonly string[];
  readonly line: number;
}

/** A parsed policy. */
export interface Policy {
  readonly logs: readonly PolicyLog[];
  readonly witnesses: readonly PolicyWitness[];
  readonly groups: readonly PolicyGroup[];
  /** A witness or group name, or {@link QUORUM_NONE}. */
  readonly quorum: string;
}

const BLANKS = /[ \t]+/;

function lineError(line: number, message: string, cause?: unknown): StamplogError {
  return new StamplogError('MALFORMED', `policy line ${line}: ${message}`, {
    details: { line },
    ...(cause === undefined ? {} : { cause }),
  });
}

function parseKey(vkey: string, type: number, line: number, what: string): VerifierKey {
  let key: VerifierKey;
  try {
    key = parseVerifierKey(vkey);
  } catch (e) {
    throw lineError(line, `${what}: ${isStamplogError(e) ? e.message : 'malformed verifier key'}`, e);
  }
  // §Public key representation: log keys are type 0x01, witness keys type 0x04.
  if (key.type !== type) throw lineError(line, `${what} must have signature type 0x0${type}`);
  return key;
}

/** The policy that the tlog-policy file `input` (a string or UTF-8 bytes) encodes; throws MALFORMED naming the line otherwise. */
export function parsePolicy(input: string | Uint8Array): Policy {
  const { text } = textAndBytes(input, MAX_POLICY_BYTES, 'policy');
  const logs: PolicyLog[] = [];
  const witnesses: PolicyWitness[] = [];
  const groups: PolicyGroup[] = [];
  const defined = new Set<string>();
  const usedAsMember = new Set<string>();
  let quorum: string | undefined;
  const tooMany = (what: string): StamplogError =>
    new StamplogError('TOO_LARGE', `policy: more than ${MAX_POLICY_ENTRIES} ${what}`, { details: { max: MAX_POLICY_ENTRIES } });

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i];
    // §Character set: allowed octets are 0x09, 0x0A, 0x20–0x7E and 0x80–0xFF.
    if (findControl(raw, '\t', true) >= 0) throw lineError(n, 'control character (only tab and newline are allowed)');
    const trimmed = raw.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [keyword, ...args] = trimmed.split(BLANKS);
    switch (keyword) {
      case 'log': {
        // log <vkey> [<url>]
        if (args.length < 1 || args.length > 2) throw lineError(n, 'expected: log <vkey> [<url>]');
        const key = parseKey(args[0], SIGNATURE_TYPE_ED25519, n, 'log key');
        if (logs.some((l) => bytesEqual(l.key.publicKey, key.publicKey))) throw lineError(n, 'duplicate log key');
        if (logs.length === MAX_POLICY_ENTRIES) throw tooMany('logs');
        logs.push(args.length === 2 ? { key, url: args[1], line: n } : { key, line: n });
        break;
      }
      case 'witness': {
        // witness <name> <vkey> [<url>]
        if (args.length < 2 || args.length > 3) throw lineError(n, 'expected: witness <name> <vkey> [<url>]');
        const name = args[0];
        if (name === QUORUM_NONE || defined.has(name)) throw lineError(n, `duplicate name ${JSON.stringify(name)}`);
        const key = parseKey(args[1], SIGNATURE_TYPE_COSIGNATURE_V1, n, 'witness key');
        if (witnesses.some((w) => bytesEqual(w.key.publicKey, key.publicKey))) throw lineError(n, 'duplicate witness key');
        if (witnesses.length === MAX_POLICY_ENTRIES) throw tooMany('witnesses');
        defined.add(name);
        witnesses.push(args.length === 3 ? { name, key, url: args[2], line: n } : { name, key, line: n });
        break;
      }
      case 'group': {
        // group <name> all|any|<k> <name>...
        if (args.length < 3) throw lineError(n, 'expected: group <name> all|any|<k> <member>...');
        const [name, k, ...members] = args;
        if (name === QUORUM_NONE || defined.has(name)) throw lineError(n, `duplicate name ${JSON.stringify(name)}`);
        let threshold: number;
        if (k === 'all') threshold = members.length;
        else if (k === 'any') threshold = 1;
        else {
          const k1 = canonicalDecimal(k);
          if (k1 === undefined || k1 === 0) throw lineError(n, `threshold ${JSON.stringify(k)} is not all, any or a decimal`);
          threshold = k1;
          // §Defining a witness group: it is required that 1 <= k <= n.
          if (threshold > members.length) throw lineError(n, `threshold ${k} exceeds the ${members.length} members`);
        }
        for (const m of members) {
          if (m === QUORUM_NONE) throw lineError(n, '"none" cannot be a group member');
          // Names must be defined on preceding lines: this also rules out cycles.
          if (!defined.has(m)) throw lineError(n, `undefined name ${JSON.stringify(m)}`);
          if (usedAsMember.has(m)) throw lineError(n, `${JSON.stringify(m)} is already a group member`);
          usedAsMember.add(m);
        }
        if (groups.length === MAX_POLICY_ENTRIES) throw tooMany('groups');
        defined.add(name);
        groups.push({ name, threshold, members, line: n });
        break;
      }
      case 'quorum': {
        if (args.length !== 1) throw lineError(n, 'expected: quorum <name>');
        if (quorum !== undefined) throw lineError(n, 'a second quorum line');
        if (args[0] !== QUORUM_NONE && !defined.has(args[0])) throw lineError(n, `undefined name ${JSON.stringify(args[0])}`);
        quorum = args[0];
        break;
      }
      default:
        throw lineError(n, `unknown keyword ${JSON.stringify(keyword)}`);
    }
  }
  if (quorum === undefined) throw malformed('policy: no quorum line');
  return { logs, witnesses, groups, quorum };
}

/** True iff the witnesses named in `cosigned` (policy-local names) satisfy the quorum of `policy`. */
export function quorumSatisfied(policy: Policy, cosigned: Iterable<string>): boolean {
  if (policy.quorum === QUORUM_NONE) return true;
  const have = new Set(cosigned);
  const satisfied = new Map<string, boolean>();
  for (const w of policy.witnesses) satisfied.set(w.name, have.has(w.name));
  // Groups only name earlier definitions, so one pass in file order settles every group.
  for (const g of policy.groups) {
    let count = 0;
    for (const m of g.members) if (satisfied.get(m) === true) count++;
    satisfied.set(g.name, g.threshold >= 1 && count >= g.threshold);
  }
  return satisfied.get(policy.quorum) === true;
}

/** A witness whose cosignature verified, and the time it asserts. */
export interface WitnessCosignature {
  /** The policy-local witness name. */
  readonly name: string;
  /** POSIX seconds from the cosignature. */
  readonly timestamp: number;
}

/** The outcome of {@link verifyCheckpointWithPolicy}. */
export interface PolicyVerification {
  readonly checkpoint: Checkpoint;
  /** The policy log whose signature verified. */
  readonly log: PolicyLog;
  /** The witnesses whose cosignatures verified, in note order. */
  readonly witnesses: readonly WitnessCosignature[];
  readonly note: OpenedNote;
}

/** Options of {@link verifyCheckpointWithPolicy}. */
export interface PolicyVerifyOptions {
  /** The origin the checkpoint must carry; by default any log of the policy is accepted. */
  readonly origin?: string;
}

/**
 * Verifies that the signed checkpoint `note` is signed by a log of `policy` named after its origin
 * and cosigned by a quorum of its witnesses; throws as openNote does, UNVERIFIED without a valid
 * log signature for that origin, POLICY_UNSATISFIED when the cosignatures fall short of the quorum.
 */
export function verifyCheckpointWithPolicy(policy: Policy, note: string | Uint8Array, opts: PolicyVerifyOptions = {}): PolicyVerification {
  const origin = parseCheckpoint(parseNote(note).text).origin;
  if (opts.origin !== undefined && origin !== opts.origin) {
    throw new StamplogError('UNVERIFIED', `checkpoint: origin ${JSON.stringify(origin)} is not ${JSON.stringify(opts.origin)}`);
  }
  // §Defining a log: the log's key name MUST correspond to its origin line.
  const logs = policy.logs.filter((l) => l.key.name === origin);
  if (logs.length === 0) throw new StamplogError('UNVERIFIED', `checkpoint: the policy lists no log for origin ${JSON.stringify(origin)}`);
  const logByVerifier = new Map<NoteVerifier, PolicyLog>(logs.map((l) => [ed25519NoteVerifier(l.key), l]));
  const witnessByVerifier = new Map<NoteVerifier, PolicyWitness>(policy.witnesses.map((w) => [cosignatureVerifier(w.key), w]));
  const opened = openNote(note, [...logByVerifier.keys(), ...witnessByVerifier.keys()]);
  const checkpoint = parseCheckpoint(opened.text);
  let log: PolicyLog | undefined;
  const witnesses: WitnessCosignature[] = [];
  for (const s of opened.verified) {
    log ??= logByVerifier.get(s.verifier);
    const w = witnessByVerifier.get(s.verifier);
    if (w !== undefined) witnesses.push({ name: w.name, timestamp: cosignatureTimestamp(s.signature) });
  }
  if (log === undefined) throw new StamplogError('UNVERIFIED', `checkpoint: no valid signature by a policy log for ${JSON.stringify(origin)}`);
  if (!quorumSatisfied(policy, witnesses.map((w) => w.name))) {
    throw new StamplogError('POLICY_UNSATISFIED', `checkpoint: witness quorum ${JSON.stringify(policy.quorum)} not satisfied`, {
      details: { quorum: policy.quorum, cosigned: witnesses.map((w) => w.name) },
    });
  }
  return { checkpoint, log, witnesses, note: opened };
}

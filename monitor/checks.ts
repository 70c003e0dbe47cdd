/**
 * Content checks over every leaf of a log, in index order (DESIGN §3, §6). Each finding is an Alert (alerts.ts)
 * naming the leaf indexes involved:
 *
 *   malformed-leaf         the leaf does not decode as a canonical entry (decodeLeaf is strict: non-canonical
 *                          CBOR, unknown fields, another version), or re-encoding it gives other bytes.
 *   substitution           a filename already logged with another digest: [first index, this index].
 *   publisher-key-change   a project's artifact/signature entry signed by a key not seen for the project
 *                          before: [index of the last new key, this index]. Vetting entries (other signers)
 *                          are not publisher signatures and are skipped.
 *   time-backwards         leaf time more than `toleranceMs` before the latest leaf time seen: [that index, this].
 *   backdated              tree head of size N witnessed at T (a verified cosignature from a policy witness,
 *                          the log's own timestamp key if the policy lists it, or this monitor's observation):
 *                          leaf i ≥ N with time < T − tolerance. [i]
 *   future-dated           the same head, leaf i < N with time > T + tolerance (the tree held it at T). [i]
 *   invalid-signature      a publisher/vetter signature that does not verify (checked for watched projects, and
 *                          for all leaves with `verifySignatures`, ~10^4/s). [i]
 *   unauthorized-artifact  maintainer watch: an artifact of a watched project without a valid signature by one of
 *                          the maintainer's keys. [i]
 *
 * The checker is pure apart from `prefetch`, which loads the per-filename and per-project records that a chunk
 * of entries needs through a CheckLookup (the follower's LevelDB, or memory in tests); `takeChanges` hands back
 * what to persist with the chunk. Time state (latest leaf time, witnessed heads) is a small JSON value that the
 * follower persists in the same atomic commit, so a resumed audit continues exactly where it stopped.
 */
import { isStamplogError } from '../src/errors.ts';
import { verifySubmissionSignature } from '../src/leaf/index.ts';
import type { Entry } from '../src/leaf/index.ts';
import { fromBase64, toBase64, toHex } from '../src/bytes.ts';
import type { Alert, AlertType } from './alerts.ts';
import { decodeLeafFast } from './fastleaf.ts';

/** A tree head of `size` leaves that existed at `time` (ms since the epoch), according to `by`. */
export interface WitnessedHead {
  size: number;
  time: number;
  by: string;
}

/** The checker's persistent time state. */
export interface TimeState {
  /** The latest leaf time seen, and its index. */
  latest?: { time: number; index: number };
  /** The latest witnessed head already behind the cursor (every later leaf must be after it). */
  floor?: WitnessedHead;
  /** Witnessed heads at or beyond the cursor, ascending by size (bounded). */
  heads: WitnessedHead[];
}

/** First sighting of a filename. */
export interface FilenameRecord {
  index: number;
  /** Lowercase hex SHA-256. */
  sha256: string;
}

/** Publisher keys seen for a project, in order of first use. */
export interface ProjectRecord {
  keys: { key: string; index: number }[];
}

/** Where the checker loads records it has not seen in this chunk (undefined = none stored). */
export interface CheckLookup {
  filenames(names: readonly string[]): Promise<(FilenameRecord | undefined)[]>;
  projects(names: readonly string[]): Promise<(ProjectRecord | undefined)[]>;
}

export interface CheckOptions {
  /** Slack for clock comparisons (ms). Default 60,000. */
  toleranceMs?: number;
  /** Verify every publisher signature (slow); watched projects are always verified. */
  verifySignatures?: boolean;
  /** Maintainer watch: project → base64 Ed25519 public keys allowed to publish it. */
  watch?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Most witnessed heads kept ahead of the cursor. */
const MAX_HEADS = 256;

/** A leaf that decoded, or the reason it did not. */
export type DecodedLeaf = { entry: Entry } | { error: string };

/** Decodes `leaf` strictly (fastleaf.ts: exactly the canonical encodings of valid entries). */
export function decodeStrict(leaf: Uint8Array): DecodedLeaf {
  try {
    return { entry: decodeLeafFast(leaf) };
  } catch (e) {
    return { error: isStamplogError(e) ? e.message : String(e) };
  }
}

export class ContentChecker {
  readonly origin: string;
  readonly #tolerance: number;
  readonly #verifyAll: boolean;
  readonly #watch: ReadonlyMap<string, ReadonlySet<string>>;
  #time: TimeState;
  readonly #files = new Map<string, FilenameRecord | null>();
  readonly #projects = new Map<string, ProjectRecord | null>();
  readonly #dirtyFiles = new Set<string>();
  readonly #dirtyProjects = new Set<string>();

  constructor(origin: string, opts: CheckOptions = {}, time: TimeState = { heads: [] }) {
    this.origin = origin;
    this.#tolerance = opts.toleranceMs ?? 60_000;
    this.#verifyAll = opts.verifySignatures ?? false;
    this.#watch = opts.watch ?? new Map();
    this.#time = structuredClone(time);
  }

  /** A copy of the time state, to persist. */
  get timeState(): TimeState {
    return structuredClone(this.#time);
  }

  /** Records that a tree head of head.size leaves existed at head.time. */
  addHead(head: WitnessedHead): void {
    const heads = this.#time.heads;
    heads.push({ ...head });
    heads.sort((a, b) => a.size - b.size || a.time - b.time);
    if (heads.length > MAX_HEADS) heads.splice(0, heads.length - MAX_HEADS);
  }

  /** Loads the records `entries` will need that are not loaded yet. */
  async prefetch(entries: readonly DecodedLeaf[], lookup: CheckLookup): Promise<void> {
    const files = new Set<string>();
    const projects = new Set<string>();
    for (const d of entries) {
      if (!('entry' in d)) continue;
      if (!this.#files.has(d.entry.subject.filename)) files.add(d.entry.subject.filename);
      if (!this.#projects.has(d.entry.subject.project)) projects.add(d.entry.subject.project);
    }
    const fnames = [...files];
    const pnames = [...projects];
    const [f, p] = await Promise.all([lookup.filenames(fnames), lookup.projects(pnames)]);
    fnames.forEach((n, i) => this.#files.set(n, f[i] ?? null));
    pnames.forEach((n, i) => this.#projects.set(n, p[i] ?? null));
  }

  /** Checks leaf `index` (decoded by decodeStrict; its records prefetched) and returns the findings. */
  check(index: number, d: DecodedLeaf): Alert[] {
    const out: Alert[] = [];
    const alert = (type: AlertType, indexes: number[], message: string, details: Record<string, unknown>) =>
      out.push({ type, origin: this.origin, indexes, message, details });
    this.#advanceHeads(index);
    if (!('entry' in d)) {
      alert('malformed-leaf', [index], `leaf ${index} is not a canonical stamplog entry: ${d.error}`, { reason: d.error });
      return out;
    }
    const e = d.entry;
    const { project, filename } = e.subject;
    const digest = toHex(e.subject.sha256);

    // Substitution: one filename, more than one digest.
    const known = this.#files.get(filename);
    if (known === undefined || known === null) {
      this.#files.set(filename, { index, sha256: digest });
      this.#dirtyFiles.add(filename);
    } else if (known.sha256 !== digest) {
      alert('substitution', [known.index, index], `${filename}: logged at ${known.index} with sha256 ${known.sha256}, at ${index} with ${digest}`, {
        filename,
        project,
        digests: [known.sha256, digest],
      });
    }

    // Signatures: validity (when asked or watched), publisher key continuity, maintainer watch.
    const watched = this.#watch.get(project);
    let sigValid: boolean | undefined;
    if (e.sig !== undefined && (this.#verifyAll || watched !== undefined)) {
      try {
        verifySubmissionSignature(e);
        sigValid = true;
      } catch (err) {
        sigValid = false;
        alert('invalid-signature', [index], `leaf ${index}: ${isStamplogError(err) ? err.message : String(err)}`, { filename, project });
      }
    }
    const signer = e.sig === undefined ? undefined : toBase64(e.sig.key);
    if (signer !== undefined && e.kind !== 'vetting') {
      let rec = this.#projects.get(project) ?? null;
      if (rec === null) rec = { keys: [] };
      if (!rec.keys.some((k) => k.key === signer)) {
        if (rec.keys.length > 0) {
          const last = rec.keys[rec.keys.length - 1];
          alert('publisher-key-change', [last.index, index], `${project}: leaf ${index} is signed by ${signer}, not by the project's earlier key(s)`, {
            project,
            filename,
            previousKeys: rec.keys.map((k) => k.key),
            newKey: signer,
          });
        }
        rec = { keys: [...rec.keys, { key: signer, index }] };
        this.#projects.set(project, rec);
        this.#dirtyProjects.add(project);
      }
    }
    if (watched !== undefined && e.kind === 'artifact' && !(signer !== undefined && watched.has(signer) && sigValid === true)) {
      alert('unauthorized-artifact', [index], `${project}: artifact ${filename} at ${index} is not signed by a maintainer key`, {
        project,
        filename,
        signer: signer ?? null,
        signatureValid: sigValid ?? null,
      });
    }

    // Time: backwards, backdated (after a witnessed head), future-dated (inside one).
    const tol = this.#tolerance;
    const t = this.#time;
    if (t.latest !== undefined && e.time < t.latest.time - tol) {
      alert('time-backwards', [t.latest.index, index], `leaf ${index} time ${e.time} is ${t.latest.time - e.time} ms before leaf ${t.latest.index}`, {
        times: [t.latest.time, e.time],
        toleranceMs: tol,
      });
    }
    if (t.latest === undefined || e.time > t.latest.time) t.latest = { time: e.time, index };
    if (t.floor !== undefined && e.time < t.floor.time - tol) {
      alert('backdated', [index], `leaf ${index} time ${e.time} is before the tree head of size ${t.floor.size} witnessed at ${t.floor.time} by ${t.floor.by}`, {
        time: e.time,
        head: t.floor,
        toleranceMs: tol,
      });
    }
    let ceiling: WitnessedHead | undefined;
    for (const h of t.heads) if (ceiling === undefined || h.time < ceiling.time) ceiling = h;
    if (ceiling !== undefined && e.time > ceiling.time + tol) {
      alert('future-dated', [index], `leaf ${index} time ${e.time} is after the tree head of size ${ceiling.size} (which holds it) witnessed at ${ceiling.time} by ${ceiling.by}`, {
        time: e.time,
        head: ceiling,
        toleranceMs: tol,
      });
    }
    return out;
  }

  /** Moves heads that leaf `index` is beyond (size ≤ index) into the floor. */
  #advanceHeads(index: number): void {
    const t = this.#time;
    while (t.heads.length > 0 && t.heads[0].size <= index) {
      const h = t.heads.shift() as WitnessedHead;
      if (t.floor === undefined || h.time > t.floor.time) t.floor = h;
    }
  }

  /** The records changed since the last call (to persist with the chunk); forgets the loaded records. */
  takeChanges(): { files: [string, FilenameRecord][]; projects: [string, ProjectRecord][] } {
    const files = [...this.#dirtyFiles].map((n) => [n, this.#files.get(n) as FilenameRecord] as [string, FilenameRecord]);
    const projects = [...this.#dirtyProjects].map((n) => [n, this.#projects.get(n) as ProjectRecord] as [string, ProjectRecord]);
    this.#dirtyFiles.clear();
    this.#dirtyProjects.clear();
    this.#files.clear();
    this.#projects.clear();
    return { files, projects };
  }
}

/** Parses a maintainer watch file: `<project> <base64 Ed25519 key>…` per line, `#` comments; throws on errors. */
export function parseWatchFile(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [project, ...keys] = line.split(/[ \t]+/);
    if (keys.length === 0) throw new Error(`watch file line ${i + 1}: expected <project> <base64 key>...`);
    const set = out.get(project) ?? new Set<string>();
    for (const k of keys) {
      if (fromBase64(k, 32) === undefined) throw new Error(`watch file line ${i + 1}: ${JSON.stringify(k)} is not base64 of a 32-byte Ed25519 key`);
      set.add(k);
    }
    out.set(project, set);
  });
  return out;
}

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
 *                          for all leaves with `verifySignatures`, which is slow). [i]
 *   unauthorized-artifact  maintainer watch: an artifact of a watched project without a valid signature by one of
 *                          the maintainer's keys. [i]
 *
 * The checker is pure apart from `prefetch`, which loads the per-filename and per-project records that a chunk
 * of entries needs through a CheckLookup (the follower's LevelDB, or memory in tests); `takeChanges` hands back
 * what to persist with the chunk. Time state (latest leaf time, witnessed heads) is a small JSON value that the
 * follower persists in the same atomic commit, so a resumed audit continues exactly where it stopped.
 *
 * Names are compared as the index means them (src/leaf/names.ts): filenames by their NFC form (LeafFacts.fileId),
 * projects by their PEP 503 key (projectKey), so `Requests` and `requests` are one project and a filename in NFC
 * and in NFD is one file. Records are stored under those keys; alerts name each leaf's own spelling.
 *
 * Leaves are checked through their LeafFacts (src/leaf/fastleaf.ts): kind, time, project, filename, hex digest, base64
 * signer, and the whole entry on demand for signature verification. Given a NameFilter holding every filename
 * the lookup may know (the follower's, see follow.ts), `prefetch` reads only the filenames the filter may have;
 * the others are certainly new. Project records are read only for the leaves that use them (publisher
 * signatures).
 */
import { isStamplogError, CANONICAL_DECIMAL, fromBase64 } from '../../src/base/index.ts';
import { decodeLeafStrict, factsOf, leafFactsAt, projectKey, verifySubmissionSignature } from '../../src/leaf/index.ts';
import type { LeafFacts } from '../../src/leaf/index.ts';
import type { Alert, AlertType } from '../findings/index.ts';
import type { NameFilter } from './namefilter.ts';

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

/**
 * The stored form of a filename record, `<index> <hex sha256>` (the follower's LevelDB value). The checker keeps
 * the records of a chunk in this form: one string a filename, the one that is then stored, instead of an object
 * and two strings (a million of them a pass make work for the garbage collector).
 */
export function encodeFilenameRecord(r: FilenameRecord): string {
  return `${r.index} ${r.sha256}`;
}

const RECORD = new RegExp(`^(${CANONICAL_DECIMAL}) ([0-9a-f]{64})$`);

/** The record of a stored form, or undefined if `v` is not one. */
export function decodeFilenameRecord(v: string): FilenameRecord | undefined {
  const m = RECORD.exec(v);
  return m === null ? undefined : { index: Number(m[1]), sha256: m[2] };
}

/** Publisher keys seen for a project, in order of first use. */
export interface ProjectRecord {
  keys: { key: string; index: number }[];
}

/**
 * Where the checker loads records it has not seen in this chunk (undefined = none stored). Filenames are asked
 * by their NFC key, projects by their PEP 503 key.
 */
export interface CheckLookup {
  filenames(names: readonly string[]): Promise<(FilenameRecord | undefined)[]>;
  projects(names: readonly string[]): Promise<(ProjectRecord | undefined)[]>;
}

export interface CheckOptions {
  /** Slack for clock comparisons (ms). Default 60,000. */
  toleranceMs?: number;
  /** Verify every publisher signature (slow); watched projects are always verified. */
  verifySignatures?: boolean;
  /**
   * Maintainer watch: project → base64 Ed25519 public keys allowed to publish it. Projects are matched by their
   * PEP 503 key: entries for `Requests` and `requests` are one project, and their keys are merged.
   */
  watch?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Most witnessed heads kept ahead of the cursor. */
const MAX_HEADS = 256;

/** A leaf that decoded (what the checks read of it), or the reason it did not. */
export type DecodedLeaf = LeafFacts | { error: string };

/**
 * Decodes leaf b[start..end) strictly: exactly the canonical encodings of valid entries (src/leaf/fastleaf.ts, falling
 * back to src/leaf's decodeLeaf for whatever its fast path does not take).
 */
export function decodeStrictAt(b: Buffer, start: number, end: number): DecodedLeaf {
  const facts = leafFactsAt(b, start, end);
  if (facts !== undefined) return facts;
  try {
    // A plain Uint8Array view, as src/leaf is used everywhere else (a Buffer's slice() would not copy).
    return factsOf(decodeLeafStrict(new Uint8Array(b.buffer, b.byteOffset + start, end - start)));
  } catch (e) {
    return { error: isStamplogError(e) ? e.message : String(e) };
  }
}

/** Decodes `leaf` strictly (see decodeStrictAt). */
export function decodeStrict(leaf: Uint8Array): DecodedLeaf {
  const b = Buffer.isBuffer(leaf) ? leaf : Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength);
  return decodeStrictAt(b, 0, b.length);
}

export class ContentChecker {
  readonly origin: string;
  readonly #tolerance: number;
  readonly #verifyAll: boolean;
  readonly #watch: ReadonlyMap<string, ReadonlySet<string>>;
  #time: TimeState;
  /** Filename records (by NFC key) loaded or first seen since the last takeChanges, in stored form; null = none stored. */
  readonly #files = new Map<string, string | null>();
  /** Project records by PEP 503 key; null = none stored. */
  readonly #projects = new Map<string, ProjectRecord | null>();
  /** Filename keys first seen since the last take (each at most once: from then on it is known). */
  #dirtyFiles: string[] = [];
  readonly #dirtyProjects = new Set<string>();
  readonly #filter: NameFilter | undefined;
  /** The witnessed head ahead of the cursor with the earliest time (future-dated check), or null; undefined = stale. */
  #ceiling: WitnessedHead | null | undefined;

  /**
   * `filter`, if given, must hold every filename that the lookups passed to `prefetch` may know; the checker
   * adds the filenames it sees first.
   */
  constructor(origin: string, opts: CheckOptions = {}, time: TimeState = { heads: [] }, filter?: NameFilter) {
    this.origin = origin;
    this.#tolerance = opts.toleranceMs ?? 60_000;
    this.#verifyAll = opts.verifySignatures ?? false;
    this.#watch = watchByKey(opts.watch ?? new Map());
    this.#time = structuredClone(time);
    this.#filter = filter;
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
    this.#ceiling = undefined;
  }

  /**
   * Loads the records `entries` will need that are not loaded yet. With a filter, only filenames it may hold
   * are read, and every filename of `entries` is added to it (check records them all).
   */
  async prefetch(entries: readonly DecodedLeaf[], lookup: CheckLookup): Promise<void> {
    let fnames: string[] = [];
    let pnames: string[] = [];
    const filter = this.#filter;
    for (const d of entries) {
      if ('error' in d) continue;
      // The filter first: a name it never had is in neither the store nor this chunk (every name the checker
      // has seen went into it), which is nearly every name, so the map is not even consulted for those.
      if ((filter === undefined || filter.testAndAdd(d.filenameKey)) && !this.#files.has(d.fileId)) fnames.push(d.fileId);
      // Only publisher signatures read the project's record (see check).
      if (d.signer !== undefined && d.kind !== 'vetting') {
        const p = projectKey(d.project);
        if (!this.#projects.has(p)) pnames.push(p);
      }
    }
    if (fnames.length === 0 && pnames.length === 0) return;
    fnames = [...new Set(fnames)];
    pnames = [...new Set(pnames)];
    const [f, p] = await Promise.all([lookup.filenames(fnames), lookup.projects(pnames)]);
    fnames.forEach((n, i) => {
      const r = f[i];
      this.#files.set(n, r === undefined ? null : encodeFilenameRecord(r));
    });
    pnames.forEach((n, i) => this.#projects.set(n, p[i] ?? null));
  }

  /** Checks leaf `index` (decoded by decodeStrict; its records prefetched) and returns the findings. */
  check(index: number, d: DecodedLeaf): Alert[] {
    const out: Alert[] = [];
    this.checkInto(index, d, out);
    return out;
  }

  #alert(out: Alert[], type: AlertType, indexes: number[], message: string, details: Record<string, unknown>): void {
    out.push({ type, origin: this.origin, indexes, message, details });
  }

  /** As check, appending the findings to `out` (no allocation for a leaf without findings). */
  checkInto(index: number, d: DecodedLeaf, out: Alert[]): void {
    this.#advanceHeads(index);
    if ('error' in d) {
      this.#alert(out, 'malformed-leaf', [index], `leaf ${index} is not a canonical stamplog entry: ${d.error}`, { reason: d.error });
      return;
    }
    const e = d;
    const filename = e.filename;
    const fileId = e.fileId;
    const digest = e.sha256;

    // Substitution: one filename (its NFC key), more than one digest.
    const stored = this.#files.get(fileId);
    if (stored === undefined || stored === null) {
      this.#files.set(fileId, encodeFilenameRecord({ index, sha256: digest }));
      this.#dirtyFiles.push(fileId); // prefetch put it in the filter
    } else if (!stored.endsWith(digest)) {
      const known = decodeFilenameRecord(stored) as FilenameRecord;
      this.#alert(out, 'substitution', [known.index, index], `${filename}: logged at ${known.index} with sha256 ${known.sha256}, at ${index} with ${digest}${fileId === filename ? '' : ' (the name compared in NFC)'}`, {
        filename,
        project: e.project,
        digests: [known.sha256, digest],
      });
    }

    // Signatures: validity (when asked or watched), publisher key continuity, maintainer watch. The project name
    // is only needed here for signed leaves or a watch (it is built on demand: src/leaf/fastleaf.ts).
    const signer = e.signer;
    const project = signer !== undefined || this.#watch.size > 0 ? e.project : '';
    const pkey = project === '' ? '' : projectKey(project);
    const watched = this.#watch.size > 0 ? this.#watch.get(pkey) : undefined;
    let sigValid: boolean | undefined;
    if (signer !== undefined && (this.#verifyAll || watched !== undefined)) {
      try {
        verifySubmissionSignature(e.entry());
        sigValid = true;
      } catch (err) {
        sigValid = false;
        this.#alert(out, 'invalid-signature', [index], `leaf ${index}: ${isStamplogError(err) ? err.message : String(err)}`, { filename, project });
      }
    }
    if (signer !== undefined && e.kind !== 'vetting') {
      let rec = this.#projects.get(pkey) ?? null;
      if (rec === null) rec = { keys: [] };
      if (!rec.keys.some((k) => k.key === signer)) {
        if (rec.keys.length > 0) {
          const last = rec.keys[rec.keys.length - 1];
          this.#alert(out, 'publisher-key-change', [last.index, index], `${project}: leaf ${index} is signed by ${signer}, not by the project's earlier key(s)`, {
            project,
            filename,
            previousKeys: rec.keys.map((k) => k.key),
            newKey: signer,
          });
        }
        rec = { keys: [...rec.keys, { key: signer, index }] };
        this.#projects.set(pkey, rec);
        this.#dirtyProjects.add(pkey);
      }
    }
    if (watched !== undefined && e.kind === 'artifact' && !(signer !== undefined && watched.has(signer) && sigValid === true)) {
      this.#alert(out, 'unauthorized-artifact', [index], `${project}: artifact ${filename} at ${index} is not signed by a maintainer key`, {
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
      this.#alert(out, 'time-backwards', [t.latest.index, index], `leaf ${index} time ${e.time} is ${t.latest.time - e.time} ms before leaf ${t.latest.index}`, {
        times: [t.latest.time, e.time],
        toleranceMs: tol,
      });
    }
    if (t.latest === undefined || e.time > t.latest.time) t.latest = { time: e.time, index };
    if (t.floor !== undefined && e.time < t.floor.time - tol) {
      this.#alert(out, 'backdated', [index], `leaf ${index} time ${e.time} is before the tree head of size ${t.floor.size} witnessed at ${t.floor.time} by ${t.floor.by}`, {
        time: e.time,
        head: t.floor,
        toleranceMs: tol,
      });
    }
    if (this.#ceiling === undefined) {
      let c: WitnessedHead | null = null;
      for (const h of t.heads) if (c === null || h.time < c.time) c = h;
      this.#ceiling = c;
    }
    const ceiling = this.#ceiling;
    if (ceiling !== null && e.time > ceiling.time + tol) {
      this.#alert(out, 'future-dated', [index], `leaf ${index} time ${e.time} is after the tree head of size ${ceiling.size} (which holds it) witnessed at ${ceiling.time} by ${ceiling.by}`, {
        time: e.time,
        head: ceiling,
        toleranceMs: tol,
      });
    }
  }

  /** Moves heads that leaf `index` is beyond (size ≤ index) into the floor. */
  #advanceHeads(index: number): void {
    const t = this.#time;
    while (t.heads.length > 0 && t.heads[0].size <= index) {
      const h = t.heads.shift() as WitnessedHead;
      if (t.floor === undefined || h.time > t.floor.time) t.floor = h;
      this.#ceiling = undefined;
    }
  }

  /** The records changed since the last take (to persist with the chunk); forgets the loaded records. */
  takeChanges(): { files: [string, FilenameRecord][]; projects: [string, ProjectRecord][] } {
    const out = this.takeDirty();
    this.#files.clear();
    this.#projects.clear();
    return out;
  }

  /**
   * The records changed since the last take, keeping the loaded ones: for a caller that persists a chunk's
   * records as it goes, and calls takeChanges at the chunk's end.
   */
  takeDirty(): { files: [string, FilenameRecord][]; projects: [string, ProjectRecord][] } {
    const files: [string, FilenameRecord][] = [];
    const projects: [string, ProjectRecord][] = [];
    this.drainDirty(
      (n, v) => files.push([n, decodeFilenameRecord(v) as FilenameRecord]),
      (n, r) => projects.push([n, r]),
    );
    return { files, projects };
  }

  /** As takeDirty, handing each filename record over in its stored form (encodeFilenameRecord). */
  drainDirty(file: (name: string, stored: string) => void, project: (name: string, r: ProjectRecord) => void): void {
    for (const n of this.#dirtyFiles) file(n, this.#files.get(n) as string);
    for (const n of this.#dirtyProjects) project(n, this.#projects.get(n) as ProjectRecord);
    this.#dirtyFiles = [];
    this.#dirtyProjects.clear();
  }
}

/** `watch` with its projects merged under their PEP 503 keys. */
function watchByKey(watch: ReadonlyMap<string, ReadonlySet<string>>): Map<string, ReadonlySet<string>> {
  const out = new Map<string, Set<string>>();
  for (const [project, keys] of watch) {
    const k = projectKey(project);
    const set = out.get(k) ?? new Set<string>();
    for (const key of keys) set.add(key);
    out.set(k, set);
  }
  return out;
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

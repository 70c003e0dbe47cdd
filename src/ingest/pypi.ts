/**
 * Reading package index history for backfill: file records from the two JSON documents PyPI serves.
 *
 *   PyPI JSON API, `GET /pypi/<project>/json` (https://docs.pypi.org/api/json/):
 *     { "info": { "name": "requests", "version": "2.32.3", … },
 *       "releases": { "2.32.3": [ { "filename": "requests-2.32.3-py3-none-any.whl",
 *                                   "digests": { "sha256": "<64 hex>", … }, "size": 64928,
 *                                   "upload_time_iso_8601": "2024-05-29T15:37:47.123456Z", … } ], … },
 *       "urls": [ …the files of info.version, same shape… ] }
 *     (`/pypi/<project>/<version>/json` has no `releases`: its `urls` are the files of info.version.)
 *
 *   PEP 691 simple index JSON, `GET /simple/<project>/` with `Accept: application/vnd.pypi.simple.v1+json`:
 *     { "meta": { "api-version": "1.1" }, "name": "requests",
 *       "files": [ { "filename": "…", "url": "…", "hashes": { "sha256": "<64 hex>" },
 *                    "size": 64928, "upload-time": "2024-05-29T15:37:47.123456Z", … } ] }
 *     Versions are not listed per file: they are read from the filename (wheel: PEP 427 / the binary
 *     distribution format, the second dash-separated field; sdist: what follows the normalized project
 *     name, PEP 625 / PEP 503). `size` and `upload-time` arrive with api-version 1.1 (PEP 700).
 *
 * A file without a SHA-256, a size, or a readable version is skipped with a reason, never guessed. Every
 * record is validated against the entry rules (DESIGN §3) before it is sent, so one bad record cannot make
 * the log refuse a whole batch.
 */
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRfc3339Utc, parseSubmission } from '../leaf/index.ts';
import type { Submission, SubmissionJSON } from '../leaf/index.ts';
import { failure } from '../verify/index.ts';

/** One file of the index's history, ready to append: the wire JSON and its parsed submission. */
export interface BackfillRecord {
  json: SubmissionJSON;
  sub: Submission;
}

export interface Skipped {
  source: string;
  filename: string;
  reason: string;
}

export interface ParsedDocument {
  records: BackfillRecord[];
  skipped: Skipped[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const normalize = (s: string) => s.replace(/[-_.]+/g, '-').toLowerCase();
const SDIST_EXTENSIONS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.zst', '.tgz', '.tbz', '.zip', '.tar'];

/** The version in a distribution's `filename` of `project`, or undefined if the name does not say. */
export function versionFromFilename(project: string, filename: string): string | undefined {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.whl') || lower.endsWith('.egg')) {
    // {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl; {name}-{version}-pyX.Y.egg
    const parts = filename.slice(0, -4).split('-');
    const need = lower.endsWith('.whl') ? 5 : 2;
    return parts.length >= need && parts[1] !== '' ? parts[1] : undefined;
  }
  const ext = SDIST_EXTENSIONS.find((e) => lower.endsWith(e));
  if (ext === undefined) return undefined;
  const stem = filename.slice(0, -ext.length);
  const want = normalize(project);
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalize(stem.slice(0, i)) === want) return stem.slice(i + 1) === '' ? undefined : stem.slice(i + 1);
  }
  return undefined;
}

/**
 * The upload time `v` as the RFC 3339 UTC text the log reads, or undefined: PyPI's own spelling when it is one
 * (microseconds are fine: the log keeps milliseconds), else a legacy `upload_time` without a zone read as UTC.
 */
function uploadTime(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (parseRfc3339Utc(v) !== undefined) return v;
  return parseRfc3339Utc(`${v}Z`) === undefined ? undefined : `${v}Z`;
}

/** One file record of a document, its members read where the document's format keeps them. */
interface FileRecord {
  project: string;
  version: string | undefined;
  filename: unknown;
  sha256: unknown;
  size: unknown;
  uploadTime: unknown;
}

/** Adds `file` of `source` to `out`: a record if it makes a valid backfill submission, else a skip with the reason. */
function record(out: ParsedDocument, source: string, file: FileRecord): void {
  const { project, version, sha256: sha, size, uploadTime: at } = file;
  const filename = typeof file.filename === 'string' ? file.filename : '';
  const skip = (reason: string): void => {
    out.skipped.push({ source, filename, reason });
  };
  if (filename === '') return skip('no filename');
  if (typeof sha !== 'string') return skip('no sha256 digest');
  if (typeof size !== 'number') return skip('no size');
  if (version === undefined) return skip('no version (not in the document, not readable from the filename)');
  const uploadedAt = uploadTime(at);
  const json: SubmissionJSON = {
    kind: 'artifact',
    subject: { project, version, filename, sha256: sha.toLowerCase(), size },
    claims: uploadedAt === undefined ? { backfill: true } : { uploadedAt, backfill: true },
  };
  try {
    out.records.push({ json, sub: parseSubmission(json) });
  } catch (e) {
    skip((e as Error).message);
  }
}

/** The file records of a PyPI JSON API or PEP 691 document `doc` read from `source`. */
export function recordsFromDocument(doc: unknown, source: string): ParsedDocument {
  const out: ParsedDocument = { records: [], skipped: [] };
  if (!isObject(doc)) throw failure('usage', 'MALFORMED', `${source}: not a JSON object`);
  if (Array.isArray(doc.files) && typeof doc.name === 'string') {
    // PEP 691.
    const project = doc.name;
    for (const f of doc.files) {
      if (!isObject(f)) continue;
      const hashes = isObject(f.hashes) ? f.hashes : {};
      const filename = typeof f.filename === 'string' ? f.filename : '';
      record(out, source, { project, version: versionFromFilename(project, filename), filename, sha256: hashes.sha256, size: f.size, uploadTime: f['upload-time'] });
    }
    return out;
  }
  if (isObject(doc.info) && typeof doc.info.name === 'string') {
    // PyPI JSON API.
    const project = doc.info.name;
    const releases: [string, unknown][] = isObject(doc.releases)
      ? Object.entries(doc.releases)
      : typeof doc.info.version === 'string' && Array.isArray(doc.urls)
        ? [[doc.info.version, doc.urls]]
        : [];
    for (const [version, files] of releases) {
      if (!Array.isArray(files)) continue;
      for (const f of files) {
        if (!isObject(f)) continue;
        const digests = isObject(f.digests) ? f.digests : {};
        record(out, source, { project, version, filename: f.filename, sha256: digests.sha256, size: f.size, uploadTime: f.upload_time_iso_8601 ?? f.upload_time });
      }
    }
    return out;
  }
  throw failure('usage', 'MALFORMED', `${source}: neither a PyPI JSON API document (info, releases) nor a PEP 691 one (name, files)`);
}

/**
 * The documents named by `sources`, in order: a file, every `*.json` file of a directory (sorted by name,
 * not recursive), or an http(s) URL (fetched with the PEP 691 Accept header). Throws `usage` for a source
 * that cannot be read or parsed.
 */
export async function* readDocuments(sources: readonly string[]): AsyncGenerator<{ source: string; doc: unknown }> {
  for (const source of sources) {
    if (/^https?:\/\//.test(source)) {
      let text: string;
      try {
        const res = await fetch(source, {
          headers: { accept: 'application/vnd.pypi.simple.v1+json, application/json;q=0.9' },
          signal: AbortSignal.timeout(60_000),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        text = await res.text();
      } catch (e) {
        throw failure('usage', 'NOT_FOUND', `${source}: cannot fetch: ${(e as Error).message}`, { cause: e });
      }
      yield { source, doc: parseJson(text, source) };
      continue;
    }
    let paths = [source];
    if ((await stat(source)).isDirectory()) {
      paths = (await readdir(source))
        .filter((n) => n.endsWith('.json'))
        .sort()
        .map((n) => join(source, n));
    }
    // Synchronous reads: a document is small, and fs/promises' readFile (open, fstat, read, close, each a round
    // trip to libuv's threads) costs several times the CPU of readFileSync (docs/benchmarks.md).
    for (const p of paths) yield { source: p, doc: parseJson(readFileSync(p, 'utf8'), p) };
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw failure('usage', 'MALFORMED', `${source}: not JSON`, { cause: e });
  }
}

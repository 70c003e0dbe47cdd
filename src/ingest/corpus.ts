/**
 * A synthetic, deterministic corpus of PyPI-like history for backfill tests and benchmarks: `files` file
 * records spread over projects of `perProject` files each (an sdist and a wheel per version), as PyPI JSON
 * API documents (`/pypi/<project>/json` shape) or PEP 691 documents. The same (seed, files, perProject)
 * always gives the same documents; digests are SHA-256 of `<seed>/<project>/<i>`, so no two records share a
 * digest or a filename, and upload times increase by a minute per file from 2005-01-01.
 */
import { createHash } from 'node:crypto';

export interface CorpusOptions {
  files: number;
  perProject?: number;
  seed?: string;
  format?: 'pypi' | 'pep691';
}

const START_MS = Date.UTC(2005, 0, 1);

/** The corpus documents, one per project, with their file names (`<project>.json`). */
export function* syntheticCorpus(opts: CorpusOptions): Generator<{ name: string; doc: unknown }> {
  const per = Math.max(1, opts.perProject ?? 100);
  const seed = opts.seed ?? 'stamplog';
  const format = opts.format ?? 'pypi';
  let i = 0;
  for (let p = 0; i < opts.files; p++) {
    const project = `synth-${seed}-${p}`;
    const releases: Record<string, Record<string, unknown>[]> = {};
    const files: Record<string, unknown>[] = [];
    for (let k = 0; k < per && i < opts.files; k++, i++) {
      const version = `1.${Math.floor(k / 2)}.0`;
      const dist = project.replace(/-/g, '_');
      const filename = k % 2 === 0 ? `${dist}-${version}.tar.gz` : `${dist}-${version}-py3-none-any.whl`;
      const digest = createHash('sha256').update(`${seed}/${project}/${k}`).digest();
      const size = 1024 + digest.readUInt32BE(0) % 10_000_000;
      const at = new Date(START_MS + i * 60_000).toISOString().replace('.000Z', '.123456Z');
      const sha256 = digest.toString('hex');
      if (format === 'pypi') {
        (releases[version] ??= []).push({
          filename,
          digests: { sha256, md5: digest.subarray(0, 16).toString('hex') },
          size,
          upload_time_iso_8601: at,
          packagetype: k % 2 === 0 ? 'sdist' : 'bdist_wheel',
          yanked: false,
        });
      } else {
        files.push({ filename, url: `https://files.example/${filename}`, hashes: { sha256 }, size, 'upload-time': at, yanked: false });
      }
    }
    const doc =
      format === 'pypi'
        ? { info: { name: project, version: Object.keys(releases).at(-1) }, releases, urls: [] }
        : { meta: { 'api-version': '1.1' }, name: project, files, versions: [...new Set(files.map((f) => String(f.filename).split('-')[1]))] };
    yield { name: `${project}.json`, doc };
  }
}

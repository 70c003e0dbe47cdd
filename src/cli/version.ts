/** The version `stamplog --version` prints: the one in the package's package.json. */
import { readFileSync } from 'node:fs';

/**
 * Reads the version from the nearest package.json named `stamplog` above this module: two directories up in the
 * sources (src/cli/), three in the compiled build (dist/src/cli/), wherever the package is installed. One small
 * synchronous read, at start-up only.
 */
export function packageVersion(): string {
  for (let up = '../../'; up.length <= 12; up += '../') {
    let text: string;
    try {
      text = readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8');
    } catch {
      continue;
    }
    const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
    if (pkg.name === 'stamplog' && typeof pkg.version === 'string') return pkg.version;
  }
  return 'unknown';
}

/**
 * `npm run soak -- --kills N`: the crash test (test/durability/crash.test.ts) as a long-running program. Runs
 * the real `stamplog serve` on one data directory under concurrent append load, SIGKILLs it N times at seeded
 * random moments (some during start-up), restarts it each time, and finally checks everything it ever
 * acknowledged or published against the final log (see test/durability/crashcheck.ts). Prints progress and
 * a summary; exits 1 on any violation, 2 on a usage error.
 *
 * Options: --kills N (default 100), --seed S, --clients C (4), --max-batch B (8), --think-ms T (25),
 * --min-up-ms / --max-up-ms (100 / 700), --startup-kill-fraction F (0.1), --deadline-min M (60),
 * --inclusion-proofs P (API inclusion proofs checked at the end; default 20000, the rest by leaf bytes
 * against the rebuilt tree), --data DIR (keep the data directory there; default a temp dir, removed).
 */
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { removeDir, tempDir } from '../test/helpers/server.ts';
import { canonicalDecimal } from '../src/base/decimal.ts';
import { runCrashLoop } from '../test/durability/crashcheck.ts';

function usage(message: string): never {
  console.error(`soak: ${message}`);
  console.error('usage: npm run soak -- --kills N [--seed S] [--clients C] [--max-batch B] [--think-ms T] [--min-up-ms A] [--max-up-ms B] [--startup-kill-fraction F] [--deadline-min M] [--inclusion-proofs P] [--data DIR]');
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        kills: { type: 'string' },
        seed: { type: 'string' },
        clients: { type: 'string' },
        'max-batch': { type: 'string' },
        'think-ms': { type: 'string' },
        'min-up-ms': { type: 'string' },
        'max-up-ms': { type: 'string' },
        'startup-kill-fraction': { type: 'string' },
        'deadline-min': { type: 'string' },
        'inclusion-proofs': { type: 'string' },
        data: { type: 'string' },
      },
      strict: true,
    });
  } catch (e) {
    return usage((e as Error).message);
  }
})();

/** The integer option `--<name>` from `min` to `max` (a canonical decimal), or `dflt` when it is not given. */
function int(name: Exclude<keyof typeof values, 'data'>, dflt: number, min: number, max: number): number {
  const v = values[name];
  if (v === undefined) return dflt;
  const n = canonicalDecimal(v);
  if (n === undefined || n < min || n > max) usage(`--${name}: expected an integer from ${min} to ${max}`);
  return n;
}

const kills = int('kills', 100, 1, 1_000_000);
const seed = int('seed', Date.now() % 1_000_000_007, 0, 2 ** 31 - 1);
const minUpMs = int('min-up-ms', 100, 0, 600_000);
const maxUpMs = int('max-up-ms', 700, minUpMs, 600_000);
const fraction = values['startup-kill-fraction'] === undefined ? 0.1 : Number(values['startup-kill-fraction']);
if (!(fraction >= 0 && fraction <= 1)) usage('--startup-kill-fraction: expected a number from 0 to 1');

const keep = values.data !== undefined;
const dataDir = values.data ?? tempDir('stamplog-soak-');
if (keep) mkdirSync(dataDir, { recursive: true });

console.log(`soak: seed ${seed}, ${kills} kills, data ${dataDir}`);
let lastReport = 0;
try {
  const result = await runCrashLoop({
    seed,
    kills,
    dataDir,
    clients: int('clients', 4, 1, 256),
    maxBatch: int('max-batch', 8, 2, 1000),
    thinkMs: int('think-ms', 25, 0, 60_000),
    minUpMs,
    maxUpMs,
    startupKillFraction: fraction,
    deadlineMs: int('deadline-min', 60, 1, 7 * 24 * 60) * 60_000,
    inclusionProofs: int('inclusion-proofs', 20_000, 0, 1e9),
    resubmit: 200,
    onKill: (p) => {
      if (p.kills === kills || p.elapsedMs - lastReport >= 10_000) {
        lastReport = p.elapsedMs;
        console.log(`soak: ${p.kills}/${kills} kills, ${p.acknowledged} acknowledged, ${p.receipts} receipts, ${p.checkpoints} checkpoints seen, ${(p.elapsedMs / 1000).toFixed(0)} s`);
      }
    },
  });
  const ok = result.violations.length === 0;
  console.log(
    [
      `soak: ${ok ? 'ALL CHECKS PASSED' : `${result.violations.length} VIOLATION(S)`}`,
      `  seed                 ${seed}`,
      `  kills                ${result.kills} (${result.startupKills} during start-up)`,
      `  wall time            ${(result.durationMs / 1000).toFixed(1)} s`,
      `  acknowledged entries ${result.acknowledged} (receipts ${result.receipts}, duplicates ${result.duplicates})`,
      `  final tree size      ${result.finalSize}`,
      `  checkpoints seen     ${result.checkpointsSeen} (${result.distinctCheckpointSizes} sizes, each checked for consistency with the final one)`,
      `  requests             ${result.requests} (${result.failedRequests} cut by a kill)`,
      `  final SIGTERM exit   ${result.finalExitCode}`,
    ].join('\n'),
  );
  for (const v of result.violations) console.log(`  VIOLATION: ${v}`);
  if (result.kills < kills) console.log(`soak: stopped after ${result.kills} of ${kills} kills (deadline)`);
  process.exitCode = ok ? 0 : 1;
} catch (e) {
  console.error(`soak: failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  if (!keep) removeDir(dataDir);
}

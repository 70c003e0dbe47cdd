/**
 * `stamplog-monitor` (commander): wiring only.
 *
 *   stamplog-monitor audit --policy FILE [--state DIR] [--watch FILE] [--tolerance-ms N] [--verify-signatures]
 *       One pass over every log of the policy that has a URL, from its cursor (index 0 for a fresh state; a
 *       temporary state when --state is absent) to its current checkpoint. Exit status: 0 clean, 1 findings
 *       (alerts, or evidence or a rollback against a checkpoint held that still stands), 2 operational failure
 *       (network, usage), 3 LOCAL state corruption.
 *   stamplog-monitor run --policy FILE --state DIR --listen HOST:PORT [--peer URL]… [--webhook URL]
 *       [--watch FILE] [--interval-ms N] [--gossip-interval-ms N] [--witness-key FILE] [--witness-name NAME]
 *       Daemon: follows and audits each log every interval, witnesses (POST /add-checkpoint), gossips with
 *       peers, serves GET /evidence; alerts on stderr and the webhook. SIGTERM/SIGINT stop it cleanly. Local
 *       state corruption stops it with status 3.
 * Alerts are `stamplog-monitor: ALERT <json>` lines on stderr (alerts.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { collect, integer } from '../src/cliargs/index.ts';
import { isStamplogError } from '../src/base/index.ts';
import { generateCosignerKey } from '../src/note/index.ts';
import { Alerter, stderrSink, webhookSink, EvidenceLog } from './findings/index.ts';
import type { AlertSink } from './findings/index.ts';
import { parseWatchFile } from './checks/index.ts';
import type { CheckOptions } from './checks/index.ts';
import { loadPolicy } from './config.ts';
import type { MonitoredLog } from './config.ts';
import { Follower } from './follow/index.ts';
import { Gossip, Witness } from './witness/index.ts';
import { repeat } from './loop.ts';
import { listen } from './server.ts';
import { MonitorStore } from './state/index.ts';

const EXIT_FINDINGS = 1;
const EXIT_ERROR = 2;
const EXIT_CORRUPTION = 3;

const say = (msg: string) => process.stderr.write(`stamplog-monitor: ${msg}\n`);

interface CommonOptions {
  policy: string;
  watch?: string;
  toleranceMs: number;
  verifySignatures?: boolean;
}

async function checkOptions(o: CommonOptions): Promise<CheckOptions> {
  return {
    toleranceMs: o.toleranceMs,
    verifySignatures: o.verifySignatures === true,
    ...(o.watch === undefined ? {} : { watch: parseWatchFile(await readFile(o.watch, 'utf8')) }),
  };
}

/** A progress line on a terminal (stderr), at most every 200 ms. */
function progress(): (p: { origin: string; cursor: number; size: number }) => void {
  if (!process.stderr.isTTY) return () => undefined;
  const started = Date.now();
  let last = 0;
  return ({ origin, cursor, size }) => {
    const now = Date.now();
    if (now - last < 200 && cursor < size) return;
    last = now;
    const frac = size === 0 ? 1 : cursor / size;
    const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
    const rate = Math.round(cursor / Math.max(0.001, (now - started) / 1000));
    process.stderr.write(`\r${origin} [${bar}] ${(frac * 100).toFixed(1)}% ${cursor}/${size} ${rate}/s${cursor >= size ? '\n' : ''}`);
  };
}

async function audit(o: CommonOptions & { state?: string }): Promise<number> {
  const logs = (await loadPolicy(o.policy)).filter((l) => l.url !== undefined);
  if (logs.length === 0) {
    say('the policy lists no log with a URL to audit');
    return EXIT_ERROR;
  }
  const checks = await checkOptions(o);
  const dir = o.state ?? (await mkdtemp(join(tmpdir(), 'stamplog-monitor-audit-')));
  const store = await MonitorStore.open(dir);
  const alerter = new Alerter([stderrSink()]);
  const evidence = new EvidenceLog(store, alerter, logs);
  let failed = false;
  // Findings about tree heads raised by an earlier audit of this state stand until the log mends them.
  let standing = false;
  try {
    for (const log of logs) {
      const f = new Follower(log, { store, alerter, evidence, checks, onProgress: progress() });
      const t0 = performance.now();
      try {
        const r = await f.pass();
        const secs = (performance.now() - t0) / 1000;
        if (r.evidence !== undefined || r.standing !== undefined) standing = true;
        const found = r.evidence === undefined ? (r.standing === undefined ? '' : `, standing finding: ${r.standing.split(' ')[0]}`) : `, EVIDENCE of ${r.evidence.kind ?? 'equivocation'} stored`;
        say(`${log.origin}: audited ${r.audited} entries (cursor ${r.cursor}, checkpoint size ${r.size ?? 0}) in ${secs.toFixed(2)} s (${Math.round(r.audited / Math.max(secs, 0.001))} entries/s), ${r.alerts.length} alert(s)${found}`);
      } catch (e) {
        if (isStamplogError(e, 'CORRUPTION')) throw e;
        failed = true;
        say(`${log.origin}: audit failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    await store.close();
    if (o.state === undefined) await rm(dir, { recursive: true, force: true });
  }
  if (alerter.count > 0 || standing) return EXIT_FINDINGS;
  return failed ? EXIT_ERROR : 0;
}

/** Loads the witness signer key from `path`, creating it (mode 0600) named `name` if absent. */
async function witnessKey(path: string, name: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const { signerKey } = generateCosignerKey(name, randomBytes(32));
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(`${signerKey}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(path, 0o600);
  return signerKey;
}

interface RunOptions extends CommonOptions {
  state: string;
  listen: string;
  peer: string[];
  webhook?: string;
  intervalMs: number;
  gossipIntervalMs: number;
  witnessKey?: string;
  witnessName: string;
}

async function run(o: RunOptions): Promise<number> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(o.listen);
  if (m === null || Number(m[3]) > 65535) throw new InvalidArgumentError(`--listen: expected host:port, got ${JSON.stringify(o.listen)}`);
  const logs: MonitoredLog[] = await loadPolicy(o.policy);
  const checks = await checkOptions(o);
  const store = await MonitorStore.open(o.state);
  const sinks: AlertSink[] = [stderrSink()];
  if (o.webhook !== undefined) sinks.push(webhookSink(o.webhook));
  const alerter = new Alerter(sinks);
  const evidence = new EvidenceLog(store, alerter, logs);
  const followers = new Map(logs.filter((l) => l.url !== undefined).map((l) => [l.origin, new Follower(l, { store, alerter, evidence, checks })]));
  const gossip = new Gossip({
    logs,
    store,
    evidence,
    peers: o.peer,
    warn: say,
    followed: async (origin) => {
      const f = followers.get(origin);
      const cp = await f?.latest();
      return f === undefined || cp === undefined ? undefined : { ...cp, url: f.client.url };
    },
  });
  const witness = new Witness(logs, store, {
    signerKey: await witnessKey(o.witnessKey ?? join(o.state, 'witness.key'), o.witnessName),
    onEquivocation: (a, b) => void evidence.add({ type: 'stamplog-evidence/v1', origin: a.checkpoint.origin, checkpoints: [a.note, b.note], nodes: [] }, 'witness request').catch(() => undefined),
    onCosigned: (cp) => void gossip.receive({ note: cp.note }, 'witness request').catch(() => undefined),
  });
  const stop = new AbortController();
  let status = 0;
  const fatal = (e: unknown) => {
    say(`LOCAL state corruption, stopping: ${e instanceof Error ? e.message : String(e)}`);
    status = EXIT_CORRUPTION;
    stop.abort();
  };
  const { server, url } = await listen({ witness, gossip, evidence, onFatal: fatal }, m[1] ?? m[2], Number(m[3]));
  say(`listening on ${url}`);
  say(`witness key ${witness.verifierKey}`);
  const loop = (what: string, every: number, fn: () => Promise<unknown>) =>
    repeat(every, stop.signal, fn, (e) => {
      if (isStamplogError(e, 'CORRUPTION')) {
        fatal(e);
        return true;
      }
      say(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    });
  const loops = [...followers.values()].map((f) => loop(`following ${f.log.origin}`, o.intervalMs, () => f.pass()));
  loops.push(loop('gossip', o.gossipIntervalMs, () => gossip.round()));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
  await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve()));
  server.close();
  server.closeAllConnections();
  await Promise.all(loops);
  await store.close();
  say('stopped');
  return status;
}

const program = new Command();
program
  .name('stamplog-monitor')
  .description('Follow, audit, witness and gossip about stamplog transparency logs.')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const common = (c: Command) =>
  c
    .requiredOption('--policy <file>', 'C2SP tlog-policy file: log <vkey> [url] lines (and witness lines for signed times)')
    .option('--watch <file>', 'maintainer watch file: <project> <base64 Ed25519 key>... per line')
    .option('--tolerance-ms <ms>', 'slack for leaf time comparisons', integer(0, 86_400_000), 60_000)
    .option('--verify-signatures', 'verify every publisher signature (about 10^4 leaves/s); watched projects always are');

common(program.command('audit').description('audit every log of the policy once; exit 1 on findings, 3 on local state corruption'))
  .option('--state <dir>', 'state directory (resumes from its cursor); default: a temporary one (full audit)')
  .action(async (o: CommonOptions & { state?: string }) => {
    process.exitCode = await audit(o);
  });

common(program.command('run').description('daemon: follow, audit, witness, gossip, serve evidence'))
  .requiredOption('--state <dir>', 'state directory')
  .requiredOption('--listen <host:port>', 'address for the witness, gossip and evidence endpoints')
  .option('--peer <url>', 'a peer monitor (repeatable)', collect, [])
  .option('--webhook <url>', 'POST every alert as JSON to this URL')
  .option('--interval-ms <ms>', 'poll interval per log', integer(100, 3_600_000), 5_000)
  .option('--gossip-interval-ms <ms>', 'gossip round interval', integer(100, 3_600_000), 5_000)
  .option('--witness-key <file>', 'cosignature/v1 signer key file (created if missing); default <state>/witness.key')
  .option('--witness-name <name>', 'key name for a newly created witness key', 'stamplog-monitor')
  .action(async (o: RunOptions) => {
    process.exitCode = await run(o);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exitCode = 0;
  else if (typeof code === 'string' && code.startsWith('commander.')) process.exitCode = EXIT_ERROR;
  else if (isStamplogError(e, 'CORRUPTION')) {
    say(`LOCAL state corruption (not a finding about any log): ${e.message}`);
    process.exitCode = EXIT_CORRUPTION;
  } else {
    say(e instanceof Error ? e.message : String(e));
    process.exitCode = EXIT_ERROR;
  }
}

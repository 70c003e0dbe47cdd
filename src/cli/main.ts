/**
 * The `stamplog` command line (commander): wiring only; each command lives in its own module, loaded when
 * it runs (a client command does not load the server's database and web framework). Exit statuses are
 * documented in exit.ts: 0 ok, 1 unexpected, 2 usage, 3 server, 10–16 verification, 20 inconsistent log,
 * 21 not logged, 22 contested.
 */
import { createRequire } from 'node:module';
import type * as commander from 'commander';
import { collect, integer } from '../cliargs/index.ts';
import { packageVersion } from './version.ts';
import { EXIT } from './exitcodes.ts';
import type { CheckCliOptions } from './check.ts';
import type { RefreshOptions } from './refresh.ts';

// Start-up time: commander is CommonJS, and loading it through `require` skips the ESM wrapper and the export
// analysis an `import` costs; exit.ts loads only when there is an error.
const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof commander;
type Command = commander.Command;

const program = new Command();
program
  .name('stamplog')
  .description('An append-only transparency log and timestamping server for package indexes.')
  .version(packageVersion(), '-V, --version', 'print the version')
  // Program options only before the command: `append --version 1.0` is the command's own option.
  .enablePositionalOptions()
  .exitOverride()
  .addHelpText(
    'after',
    '\nExit statuses: 0 ok, 1 unexpected failure, 2 usage, 3 log server refused or unreachable, 10 file differs from the entry,\n' +
      '11 proof invalid, 12 not signed by a trusted log, 13 witness quorum missing, 14 publisher key, 15 vetters, 16 too young,\n' +
      '20 log inconsistent with the trust store (evidence printed), 21 not logged, 22 contested (another digest under the filename).\n' +
      'Trust store: $STAMPLOG_HOME (default ~/.config/stamplog). Token: --token or $STAMPLOG_TOKEN. Log URL: --log or $STAMPLOG_LOG.',
  );

program
  .command('serve')
  .description('run the log server (LevelDB store, HTTP API)')
  .option('--data <dir>', 'data directory (keys and database)', './data')
  .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
  .option('--origin <origin>', 'the log origin (checkpoint first line and key name)', 'localhost/stamplog')
  .option('--token <name:secret>', 'a submitter token (repeatable; also STAMPLOG_TOKENS, comma or space separated)', collect, [])
  .option('--batch-ms <ms>', 'how long an idle batch stays open', integer(0, 10_000), 2)
  .option('--batch-max <n>', 'most entries per batch', integer(1, 100_000), 4096)
  .option('--max-queue <n>', 'most submissions waiting before 503', integer(1, 10_000_000), 65_536)
  .option('--verify-threads <n>', 'worker threads for publisher signature verification (0: on the main thread)', integer(0, 64), 1)
  .option('--no-receipt-thread', 'write the receipts of batch appends on the main thread instead of a worker thread')
  .option('--witness-policy <file>', 'C2SP tlog-policy: witness lines with URLs to ask for cosignatures, and the quorum to publish (none: best effort)')
  .option('--witness-interval-ms <ms>', 'time between witnessing rounds', integer(10, 3_600_000), 1_000)
  .option('--witness-timeout-ms <ms>', 'time one witness request may take', integer(10, 600_000), 5_000)
  .option('--witness-wait-ms <ms>', 'with a quorum: how long an append waits for it before 503', integer(0, 600_000), 10_000)
  .option('--checkpoint-lock <file>', 'the newest signed checkpoint, kept outside the data directory so a restore cannot fork the log (default: <data>.checkpoint-lock)')
  .option('--adopt-lock', 'adopt a data directory that has no checkpoint lock yet (after checking it against what was published)')
  .option('--accept-clock', 'start even though the clock is more than 7 days past the last time the log issued')
  .option('--max-clock-jump-ms <ms>', 'refuse appends when the clock jumps further ahead of elapsed time (CLOCK_AHEAD)', integer(1_000, 86_400_000), 60_000)
  .option('--recover-interval-ms <ms>', 'after a storage failure: time between attempts to re-open and re-verify the store', integer(10, 3_600_000), 5_000)
  .option('--max-body-bytes-per-token <n>', 'most bytes of append bodies one token may have in flight (then 503)', integer(65_536, 2 ** 40), 16 * 1024 * 1024)
  .option('--max-body-bytes-total <n>', 'most bytes of append bodies in flight from all tokens together (then 503)', integer(65_536, 2 ** 40), 64 * 1024 * 1024)
  .option('--body-timeout-ms <ms>', 'time an append body may take to arrive (then 408)', integer(100, 3_600_000), 30_000)
  .option('--body-idle-timeout-ms <ms>', 'longest pause within an append body (then 408)', integer(100, 3_600_000), 10_000)
  .option('--log-format <format>', 'json (one object per line) or pretty (default: pretty on a terminal, json otherwise)')
  .option('--log-level <level>', 'fatal, error, warn, info or debug', 'info')
  .action(async (opts) => (await import('./serve.ts')).serve(opts));

program
  .command('keygen')
  .description('generate an Ed25519 key (signed-note formats): signer key to PATH (mode 0600), verifier key to PATH.pub and stdout')
  .requiredOption('--type <type>', 'publisher, vetter, log (type 0x01) or witness (cosignature/v1, type 0x04)')
  .requiredOption('--name <name>', 'key name (for a log: its origin)')
  .requiredOption('--out <path>', 'where to write the signer key (never overwritten)')
  .action(async (opts) => (await import('./keygen.ts')).keygen(opts));

const online = (c: Command, withToken: boolean): Command => {
  c.option('--log <url>', 'log server URL (default: STAMPLOG_LOG or http://127.0.0.1:8080)').option(
    '--policy <file>',
    'trust policy (C2SP tlog-policy) receipts must satisfy (default: the log key pinned on first use, no witness quorum)',
  );
  if (withToken) c.option('--token <secret>', 'submitter token (default: STAMPLOG_TOKEN)');
  return c;
};

online(
  program
    .command('append <files...>')
    .description('log artifact files (the upload hook), verify the receipts, write <file>.tlog-proof next to each')
    .requiredOption('--project <name>', 'project name')
    .requiredOption('--version <version>', 'project version')
    .option('--sign-key <file>', 'publisher signer key (keygen --type publisher): sign each statement'),
  true,
).action(async (files: string[], opts) => (await import('./append.ts')).appendFiles(files, opts));

const statement = (c: Command): Command =>
  online(
    c
      .requiredOption('--sign-key <file>', 'signer key (keygen --type publisher or vetter)')
      .option('--project <name>', 'project (default: from the logged artifact entry)')
      .option('--version <version>', 'version (default: from the logged artifact entry)')
      .option('--filename <name>', 'logged filename (default: from the logged artifact entry)')
      .option('--out <file>', 'where to write the receipt'),
    true,
  );

statement(program.command('sign <file>').description('log a publisher signature (a signature entry) for an already logged artifact; receipt <file>.signature.tlog-proof')).action(
  async (file: string, opts) => (await import('./sign.ts')).signFile(file, opts),
);

statement(
  program
    .command('vet <file>')
    .description('log a vetting statement (a vetting entry) for an already logged artifact; receipt <file>.vetting.tlog-proof')
    .requiredOption('--verdict <verdict>', 'e.g. reviewed, approved, rejected'),
).action(async (file: string, opts) => (await import('./sign.ts')).vetFile(file, opts));

program
  .command('verify <file>')
  .description('verify offline that <file> is logged: receipt, log signature, witness quorum, digest and size, and optional requirements')
  .option('--policy <file>', 'trust policy (C2SP tlog-policy); default: the key pinned for the receipt\'s log, no witness quorum')
  .option('--log-key <key>', 'trust only this log key (no witness quorum) instead of a policy or the trust store')
  .option('--origin <origin>', 'accept only a receipt of this log (its key pinned in the trust store, or in --policy)')
  .option('--proof <file>', 'the receipt (default: <file>.tlog-proof)')
  .option('--publisher-key <[project=]key>', 'require a signature by this publisher key (verifier key or base64; repeatable)', collect, [])
  .option('--signature <file>', 'receipt of a signature entry (default: <file>.signature.tlog-proof if present; repeatable)', collect, [])
  .option('--vetters <k:key,key,...>', 'require k of these vetters to have vetted the artifact')
  .option('--vetting <file>', 'receipt of a vetting entry (default: <file>.vetting.tlog-proof if present; repeatable)', collect, [])
  .option('--verdicts <list>', 'vetting verdicts that count (default: reviewed,approved)')
  .option('--min-age <duration>', 'require the entry to be at least this old (e.g. 72h, 7d)')
  .action(async (file: string, opts) => (await import('./verify.ts')).verifyFile(file, opts));

/** A command over one `<file>`, online without a token, with one more option; `run` loads its module when it runs. */
function onlineFileCommand<O>(spec: { usage: string; description: string; option: [flags: string, description: string]; run: (file: string, opts: O) => Promise<void> }): void {
  online(program.command(spec.usage).description(spec.description).option(...spec.option), false).action((file: string, opts: O) => spec.run(file, opts));
}

onlineFileCommand<RefreshOptions>({
  usage: 'refresh <file>',
  description: 'replace a receipt by one against the newest published checkpoint (e.g. to gain witness cosignatures), everything proven',
  option: ['--proof <file>', 'the receipt (default: <file>.tlog-proof)'],
  run: async (file, opts) => (await import('./refresh.ts')).refreshFile(file, opts),
});

onlineFileCommand<CheckCliOptions>({
  usage: 'check <file>',
  description: 'online: is this digest logged, is it the only digest under its filename, which signatures and vettings exist (all proven)',
  option: ['--filename <name>', 'the filename to check (default: the file\'s own name)'],
  run: async (file, opts) => (await import('./check.ts')).checkFile(file, opts),
});

online(
  program
    .command('backfill <sources...>')
    .description('ingest history: PyPI JSON API or PEP 691 documents (files, directories of *.json, URLs) as backfill artifact entries, resumably')
    .option('--state <file>', 'state file recording acknowledged batches (resume by running again)', '.stamplog-backfill.json')
    .option('--batch <n>', 'submissions per batch request', integer(1, 1000), 1000)
    .option('--concurrency <n>', 'batch requests in flight', integer(1, 64), 8)
    .option('--no-progress', 'no progress lines on stderr'),
  true,
).action(async (sources: string[], opts) => (await import('./backfill.ts')).backfillCommand(sources, opts));

program
  .command('corpus')
  .description('write a synthetic PyPI-like corpus (one JSON document per project) for backfill tests and benchmarks')
  .requiredOption('--files <n>', 'number of file records', integer(1, 100_000_000))
  .requiredOption('--out <dir>', 'output directory')
  .option('--per-project <n>', 'files per project', integer(1, 1_000_000), 100)
  .option('--format <format>', 'pypi (/pypi/<project>/json) or pep691 (simple JSON)', 'pypi')
  .option('--seed <seed>', 'varies names and digests', 'stamplog')
  .action(async (opts) => (await import('./backfill.ts')).corpusCommand(opts));

// A reader that stops early (`stamplog --help | head`) closes the pipe: that is not a failure of the command.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // commander printed its message already; help and version are not failures. (exit.ts, which loads the
    // verification library to read failures, is left unloaded on this path: `--help` stays quick.)
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    const { exitStatusFor, messageFor } = await import('./exit.ts');
    process.stderr.write(`stamplog: ${messageFor(e).replace(/^stamplog: /, '')}\n`);
    process.exitCode = exitStatusFor(e);
  }
}

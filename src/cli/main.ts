/**
 * The `stamplog` command line (commander): wiring only; each command lives in its own module.
 */
import { Command, InvalidArgumentError } from 'commander';
import { isStamplogError } from '../errors.ts';
import { serve } from './serve.ts';
import { verifyFile } from './verify.ts';
import { appendFiles } from './append.ts';

function integer(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^(0|[1-9][0-9]*)$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

const collect = (v: string, prev: string[]) => [...prev, v];

const program = new Command();
program.name('stamplog').description('An append-only transparency log and timestamping server for package indexes.');

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
  .action(serve);

program
  .command('append <files...>')
  .description('log artifact files (the upload hook) and write <file>.tlog-proof receipts next to them')
  .requiredOption('--project <name>', 'project name')
  .requiredOption('--version <version>', 'project version')
  .option('--log <url>', 'log server URL', 'http://127.0.0.1:8080')
  .option('--token <secret>', 'submitter token (default: STAMPLOG_TOKEN)')
  .action(appendFiles);

program
  .command('verify <file>')
  .description('verify offline that <file> is logged: receipt, checkpoint signatures, witness quorum, digest and size')
  .requiredOption('--policy <file>', 'trust policy (C2SP tlog-policy: log/witness/group/quorum lines)')
  .option('--proof <file>', 'the receipt (default: <file>.tlog-proof)')
  .action(verifyFile);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(`stamplog: ${isStamplogError(e) ? e.message : e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}

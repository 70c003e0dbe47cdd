/**
 * `npm run bench [-- <section>…]`: prints the figures the issues ask for (see docs/benchmarks.md).
 * Sections: core (tree, proofs, checkpoint signatures), server (appends, batches, proof reads over HTTP), client
 * (backfill of a generated corpus, the monitor's audit), startup (start-up time of the compiled `stamplog` command).
 * With no argument, every section runs. `npm run bench` builds dist/ first: the processes run the compiled build.
 */
import { runCoreBenchmarks } from './core.ts';
import { runClientBenchmarks } from './client.ts';
import { runServerBenchmarks } from './server.ts';
import { runStartupBenchmarks } from './startup.ts';
import { report } from './harness.ts';

// startup first: its cold figures are the first runs of the build.
const sections: Record<string, () => Promise<void> | void> = {
  startup: async () => {
    console.log('# startup (wall time of `stamplog` commands through bin/stamplog.js, compiled build)');
    await runStartupBenchmarks();
  },
  core: () => {
    console.log('# core (in memory, one thread)');
    for (const r of runCoreBenchmarks()) report(r);
  },
  server: async () => {
    console.log('# server (real process on loopback, LevelDB with fsync, load generator in its own process)');
    await runServerBenchmarks();
  },
  client: async () => {
    console.log('# client (stamplog backfill into a fresh log on this machine; the monitor audit from static tiles)');
    await runClientBenchmarks();
  },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in sections));
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}`);
  process.exit(2);
}
console.log(`node ${process.version}, ${new Date().toISOString()}`);
for (const name of wanted.length > 0 ? wanted : Object.keys(sections)) await sections[name]();

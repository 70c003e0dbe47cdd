// Shared by the launchers (bin/stamplog.js, monitor/stamplog-monitor.js); plain JavaScript, loaded before the CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * npm runs a script, and the command of `npx stamplog …`, through `sh -c`, and a shell such as dash forks the
 * command instead of replacing itself with it: npm forwards SIGTERM or SIGINT to that shell, the shell dies of
 * it, and the server it started is orphaned and never drains. `npm start` execs (package.json), `npx` cannot be
 * told to. So, when run by npm (npm_lifecycle_event is set) and the process that started this one goes away,
 * this one takes it as the signal npm forwarded and sends itself `signal`: the server drains and exits as on
 * any SIGTERM. Outside npm (systemd, a container, a shell) nothing is watched: a parent may then exit on purpose.
 * The timer does not keep the process alive; checking costs one kill(pid, 0) every `everyMs`.
 */
export function watchParent(signal = 'SIGTERM', everyMs = 200) {
  if (process.env.npm_lifecycle_event === undefined || process.platform === 'win32') return;
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (e) {
      if (e.code !== 'ESRCH') return; // EPERM: a process of another user has the number now; not ours to judge
      clearInterval(timer);
      process.kill(process.pid, signal);
    }
  }, everyMs);
  timer.unref();
}

/** Whether `e`, thrown by importing `entry` (a file URL), says that the compiled file itself is absent. */
function missingBuild(e, entry) {
  return e?.code === 'ERR_MODULE_NOT_FOUND' && !existsSync(fileURLToPath(entry));
}

/**
 * Runs the compiled command line `entry` (a file URL under dist/) of the command `name`, watching the parent
 * (above); a build that is not there is one clear line on stderr and exit status 1, anything else is thrown.
 */
export async function runCompiledCli(name, entry) {
  watchParent();
  try {
    await import(entry.href);
  } catch (e) {
    if (!missingBuild(e, entry)) throw e;
    process.stderr.write(`${name}: the compiled CLI (dist/) is missing: run \`npm run build\` (or \`npm ci\`) in the package directory\n`);
    process.exitCode = 1;
  }
}

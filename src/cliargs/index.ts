/**
 * src/cliargs: the option parsers the two command lines share (`stamplog`, src/cli, and `stamplog-monitor`,
 * monitor/cli.ts), for commander. A folder of its own so that each command line loads only these few lines before
 * it knows which command runs (`--help` and `--version` load nothing else), and so that the monitor never reaches
 * into the server's CLI. This file is the module's public surface.
 *
 *   options.ts  canonical decimal integers in a range; repeatable options
 */
export { collect, integer } from './options.ts';

// Entry point of the bundle worker thread (bundleworker.ts): a worker does not inherit a TypeScript loader
// registered through tsx's API (as monitor/stamplog-monitor.js does), so register tsx in this thread, then
// load the TypeScript body. The worker is started with no execArgv, so tsx is never registered twice.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./bundlethread.ts', import.meta.url).href);

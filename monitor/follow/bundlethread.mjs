// Entry point of the bundle worker thread (bundlethread.ts) when the monitor runs as TypeScript under tsx
// (tests, benchmarks of the sources): a worker does not inherit a TypeScript loader, so register tsx in this
// thread, then load the TypeScript body. The compiled build starts dist/monitor/follow/bundlethread.js instead and never
// loads this file (bundleworker.ts chooses). The worker is started with no execArgv, so tsx is never registered twice.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./bundlethread.ts', import.meta.url).href);

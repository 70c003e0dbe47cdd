// Entry point of the receipt thread (thread.ts) when the log runs as TypeScript under tsx (tests,
// benchmarks of the sources): a worker does not inherit a TypeScript loader, so register tsx in this thread,
// then load the TypeScript body. The compiled build starts dist/src/receipts/thread.js instead and never loads
// this file (worker.ts chooses). The worker is started with no execArgv, so tsx is never registered twice.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./thread.ts', import.meta.url).href);

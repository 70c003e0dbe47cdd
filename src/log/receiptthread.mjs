// Entry point of the receipt thread (receiptthread.ts): a worker does not inherit a TypeScript loader
// registered through tsx's API (as bin/stamplog.js does), so register tsx in this thread, then load the
// TypeScript body. The worker is started with no execArgv, so tsx is never registered twice.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./receiptthread.ts', import.meta.url).href);

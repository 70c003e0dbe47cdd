/** Issue 16: ENOSPC at each site of the write path (see suite.ts and harness.ts). */
import { faultSuite } from './suite.ts';

faultSuite('ENOSPC');

/**
 * Access to node:crypto without a static import, so that the pure modules stay loadable in a browser:
 * where `process.getBuiltinModule` exists (Node ≥ 20.16) we use OpenSSL for speed, elsewhere callers fall
 * back to the portable @noble implementations.
 */
import type * as NodeCrypto from 'node:crypto';

type ProcessWithBuiltins = { getBuiltinModule?: (id: string) => unknown };

function loadNodeCrypto(): typeof NodeCrypto | undefined {
  const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
  if (proc === undefined || typeof proc.getBuiltinModule !== 'function') return undefined;
  try {
    return proc.getBuiltinModule('node:crypto') as typeof NodeCrypto;
  } catch {
    return undefined;
  }
}

/** node:crypto when running on Node.js, otherwise undefined. */
export const nodeCrypto: typeof NodeCrypto | undefined = loadNodeCrypto();

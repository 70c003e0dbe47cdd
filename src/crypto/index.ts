/**
 * src/crypto: the project's primitives, pure (node:crypto is reached without a static import, so the code loads
 * in a browser and falls back to @noble there). This file is the module's public surface.
 *
 *   ed25519.ts  Ed25519 under the project's one verification rule (strict RFC 8032, cofactorless; see its header)
 *   sha256.ts   SHA-256, and the OpenSSL fast path for Merkle hashing beside its @noble reference
 *   node.ts     access to node:crypto where it exists
 */
export { checkEd25519PublicKey, ed25519Precheck, ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519.ts';
export { sha256, sha256HexOfText, sha256Into, sha256IntoOpenSSL } from './sha256.ts';

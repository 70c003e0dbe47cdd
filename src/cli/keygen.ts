/**
 * `stamplog keygen --type publisher|vetter|log|witness --name N --out PATH`: a fresh Ed25519 key in the
 * signed-note key string formats (src/verify/keys.ts). The signer key goes to PATH (mode 0600), the verifier
 * key to PATH.pub and stdout. Existing files are never overwritten (exit 2).
 */
import { StamplogError } from '../base/index.ts';
import { isValidKeyName } from '../note/index.ts';
import { KEY_ROLES, generateKeyPair } from '../verify/index.ts';
import type { KeyRole } from '../verify/index.ts';
import { writeNewFile, writeNewSecretFile } from '../client/index.ts';
import { access } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

export interface KeygenOptions {
  type: string;
  name: string;
  out: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function keygen(opts: KeygenOptions): Promise<void> {
  if (!KEY_ROLES.includes(opts.type as KeyRole)) throw new StamplogError('MALFORMED', `--type: expected one of ${KEY_ROLES.join(', ')}`);
  if (!isValidKeyName(opts.name)) throw new StamplogError('MALFORMED', '--name: a key name is non-empty, without "+", spaces or control characters');
  const pub = `${opts.out}.pub`;
  // Check both before writing either, so a refusal leaves nothing half-made.
  for (const p of [opts.out, pub]) if (await exists(p)) throw new StamplogError('CONFLICT', `${p} exists; refusing to overwrite a key`);
  const { signerKey, verifierKey } = generateKeyPair(opts.type as KeyRole, opts.name, randomBytes(32));
  await writeNewSecretFile(opts.out, `${signerKey}\n`);
  await writeNewFile(pub, `${verifierKey}\n`);
  process.stderr.write(`stamplog: wrote the ${opts.type} signer key to ${opts.out} (mode 0600) and its verifier key to ${pub}\n`);
  process.stdout.write(`${verifierKey}\n`);
}

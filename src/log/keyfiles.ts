/**
 * The log's key files in its data directory: `log.key` (Ed25519 note key named after the origin) and
 * `timestamp.key` (cosignature/v1 key named `<origin>/timestamp`). Created on first start with mode 0600 from
 * a CSPRNG, reused on later starts; a key file for another origin is refused rather than silently replaced.
 * The signer key strings are secrets: this module never prints them, only the verifier keys.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StamplogError } from '../base/index.ts';
import { generateSignerKey, parseSignerKey, formatVerifierKey, SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../note/index.ts';

export interface LogKeys {
  logKey: string;
  timestampKey: string;
  logVerifierKey: string;
  timestampVerifierKey: string;
  /** True when this call created the keys. */
  created: boolean;
}

async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) {
      throw new StamplogError('FORBIDDEN', `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function writeKeyFile(path: string, content: string): Promise<void> {
  // 'wx': never overwrite an existing key; mode 0600 from the first byte written.
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(content + '\n', 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(path, 0o600);
}

/** The timestamp key's name for a log origin. */
export function timestampKeyName(origin: string): string {
  return `${origin}/timestamp`;
}

/**
 * The log's keys in `dataDir` if both exist (checked like `loadOrCreateLogKeys`, nothing created), undefined if
 * either is missing. Lets a start-up check everything before it creates anything.
 */
export async function readLogKeys(dataDir: string, origin: string): Promise<Omit<LogKeys, 'created'> | undefined> {
  const logPath = join(dataDir, 'log.key');
  const logKey = await readKeyFile(logPath);
  const timestampKey = await readKeyFile(join(dataDir, 'timestamp.key'));
  if (logKey === undefined || timestampKey === undefined) return undefined;
  return describeKeys(logPath, origin, logKey, timestampKey);
}

function describeKeys(logPath: string, origin: string, logKey: string, timestampKey: string): Omit<LogKeys, 'created'> {
  const l = parseSignerKey(logKey);
  const t = parseSignerKey(timestampKey);
  if (l.name !== origin) {
    throw new StamplogError('CONFLICT', `${logPath} holds the key of origin ${JSON.stringify(l.name)}, not ${JSON.stringify(origin)}`);
  }
  return { logKey, timestampKey, logVerifierKey: formatVerifierKey(l.name, l.type, l.publicKey), timestampVerifierKey: formatVerifierKey(t.name, t.type, t.publicKey) };
}

/** Loads the log's keys from `dataDir`, creating them on first start. */
export async function loadOrCreateLogKeys(dataDir: string, origin: string): Promise<LogKeys> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logPath = join(dataDir, 'log.key');
  const tsPath = join(dataDir, 'timestamp.key');
  let logKey = await readKeyFile(logPath);
  let timestampKey = await readKeyFile(tsPath);
  let created = false;
  if (logKey === undefined) {
    logKey = generateSignerKey(origin, randomBytes(32), SIGNATURE_TYPE_ED25519).signerKey;
    await writeKeyFile(logPath, logKey);
    created = true;
  }
  if (timestampKey === undefined) {
    timestampKey = generateSignerKey(timestampKeyName(origin), randomBytes(32), SIGNATURE_TYPE_COSIGNATURE_V1).signerKey;
    await writeKeyFile(tsPath, timestampKey);
    created = true;
  }
  return { ...describeKeys(logPath, origin, logKey, timestampKey), created };
}

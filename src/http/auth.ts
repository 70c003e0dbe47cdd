/**
 * Submitter authentication: `Authorization: Bearer <secret>` against configured (name, secret) pairs.
 * Secrets are compared in constant time over their SHA-256 digests (equal lengths whatever the input), and
 * every configured token is compared, so timing reveals neither which token nor how much of it matched.
 * Secrets never appear in errors or logs; only the submitter's name is returned.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { StamplogError } from '../base/index.ts';

export interface SubmitterToken {
  name: string;
  secret: string;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Parses `name:secret` (as given to --token / STAMPLOG_TOKENS); throws MALFORMED without echoing the secret. */
export function parseToken(spec: string): SubmitterToken {
  const i = spec.indexOf(':');
  const name = i > 0 ? spec.slice(0, i) : '';
  const secret = i > 0 ? spec.slice(i + 1) : '';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || secret.length < 16 || /\s/.test(secret)) {
    throw new StamplogError('MALFORMED', 'a token is `name:secret` with a name of [A-Za-z0-9._-]{1,64} and a secret of at least 16 non-space characters');
  }
  return { name, secret };
}

/** A function mapping an Authorization header to the submitter's name, or throwing UNAUTHORIZED. */
export function bearerAuthenticator(tokens: readonly SubmitterToken[]): (header: string | undefined) => string {
  const known = tokens.map((t) => ({ name: t.name, digest: digest(t.secret) }));
  return (header) => {
    // RFC 9110 §11.1: the scheme name is case-insensitive; exactly one space, then the token.
    const m = header === undefined ? null : /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header);
    if (m === null) throw new StamplogError('UNAUTHORIZED', 'an Authorization: Bearer <token> header is required');
    const given = digest(m[1]);
    let who: string | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, given) && who === undefined) who = k.name;
    if (who === undefined) throw new StamplogError('UNAUTHORIZED', 'the bearer token is not valid');
    return who;
  };
}

/**
 * Reading a fetch() response body under a size cap, for every component that talks to parties it does not
 * control (the log asking witnesses, the monitor reading logs and peers): a body whose Content-Length exceeds
 * the cap is refused before any byte is read, and a body that streams past the cap is cancelled there, so a
 * hostile or broken peer can never make the reader buffer more than `maxBytes`.
 */
import { concatBytes } from './bytes.ts';
import { StamplogError } from './errors.ts';

/** The body of `res` (from `url`, named in errors); throws TOO_LARGE beyond `maxBytes`. */
export async function readBodyCapped(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new StamplogError('TOO_LARGE', `${url}: body of ${declared} bytes exceeds ${maxBytes}`);
  }
  if (res.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new StamplogError('TOO_LARGE', `${url}: body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : concatBytes(...chunks);
}

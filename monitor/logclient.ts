/**
 * Read access to one log over C2SP tlog-tiles (https://c2sp.org/tlog-tiles): `GET <url>/checkpoint`,
 * `GET <url>/tile/<L>/<N>[.p/<W>]`, `GET <url>/tile/entries/<N>[.p/<W>]`. Nothing here is trusted: checkpoints
 * are verified by the caller, tiles through `tileReader` (src/merkle's tileHashReaderAsync authenticates every
 * tile against a verified tree head before returning a hash), entry bundles by recomputing leaf hashes.
 *
 * A partial tile or bundle that the log has replaced by a wider one may be gone (tlog-tiles lets logs delete
 * them): on a 404 for a partial, the full tile is fetched and its prefix used.
 */
import { StamplogError, isStamplogError } from '../src/errors.ts';
import { TILE_WIDTH, decodeEntryBundle, entryBundlePath, tileHashReaderAsync, tilePath } from '../src/merkle/index.ts';
import type { AsyncHashReader, Tile, TreeHead } from '../src/merkle/index.ts';
import { MAX_NOTE_BYTES } from '../src/note/index.ts';
import { getBytes, joinUrl } from './fetch.ts';
import type { FetchOptions } from './fetch.ts';

/** Most tiles one reader keeps (8 KiB each at most). */
const READER_CACHE_TILES = 2048;

export class LogClient {
  readonly url: string;
  readonly #opts: FetchOptions;

  constructor(url: string, opts: FetchOptions = {}) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new StamplogError('MALFORMED', `log URL ${JSON.stringify(url)} is not an http(s) URL`);
    this.url = url.replace(/\/+$/, '');
    this.#opts = opts;
  }

  /** The signed checkpoint note the log serves now (unverified). */
  async checkpoint(): Promise<string> {
    const bytes = await getBytes(joinUrl(this.url, 'checkpoint'), { ...this.#opts, maxBytes: MAX_NOTE_BYTES });
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  }

  /** The contents of hash tile `tile` (exactly width·32 bytes), unauthenticated. */
  async tile(tile: Tile): Promise<Uint8Array> {
    const want = tile.width * 32;
    const got = await this.#withFullFallback(tile, (t) => getBytes(joinUrl(this.url, tilePath(t)), { ...this.#opts, maxBytes: TILE_WIDTH * 32 }));
    if (got.length < want) throw new StamplogError('MALFORMED', `${tilePath(tile)}: ${got.length} bytes, expected ${want}`);
    return got.subarray(0, want);
  }

  /** The `width` leaves of entry bundle `index`, unauthenticated (the caller hashes them). */
  async entryBundle(index: number, width: number): Promise<Uint8Array[]> {
    const tile: Tile = { level: 0, index, width };
    let exact = true;
    const bytes = await this.#withFullFallback(tile, (t) => {
      exact = t.width === width;
      return getBytes(joinUrl(this.url, entryBundlePath(t)), this.#opts);
    });
    const leaves = decodeEntryBundle(bytes, exact ? width : undefined);
    if (leaves.length < width) throw new StamplogError('MALFORMED', `entry bundle ${index}: ${leaves.length} leaves, expected ${width}`);
    return leaves.slice(0, width);
  }

  async #withFullFallback(tile: Tile, get: (t: Tile) => Promise<Uint8Array>): Promise<Uint8Array> {
    try {
      return await get(tile);
    } catch (e) {
      if (tile.width === TILE_WIDTH || !isStamplogError(e, 'NOT_FOUND')) throw e;
      return get({ ...tile, width: TILE_WIDTH });
    }
  }

  /**
   * A hash reader over this log's tiles for the verified tree head `head`: every hash it returns is authenticated
   * against head.root. Tiles are cached (bounded) for the reader's lifetime; use one reader per tree head.
   */
  tileReader(head: TreeHead): AsyncHashReader {
    const cache = new Map<string, Promise<Uint8Array>>();
    return tileHashReaderAsync(head, (t) => {
      const key = `${t.level}/${t.index}/${t.width}`;
      let p = cache.get(key);
      if (p === undefined) {
        if (cache.size >= READER_CACHE_TILES) cache.delete(cache.keys().next().value as string);
        p = this.tile(t);
        p.catch(() => cache.delete(key));
        cache.set(key, p);
      }
      return p;
    });
  }
}

/**
 * Read access to one log over C2SP tlog-tiles (https://c2sp.org/tlog-tiles): `GET <url>/checkpoint`,
 * `GET <url>/tile/<L>/<N>[.p/<W>]`, `GET <url>/tile/entries/<N>[.p/<W>]`. Nothing here is trusted: checkpoints
 * are verified by the caller, tiles through `tileReader` (src/merkle's tileHashReaderAsync authenticates every
 * tile against a verified tree head before returning a hash), entry bundles by recomputing leaf hashes.
 *
 * A partial tile or bundle that the log has replaced by a wider one may be gone (tlog-tiles lets logs delete
 * them): on a 404 for a partial, the full tile is fetched and its prefix used. Requests go over pooled
 * keep-alive connections (httpget.ts), with fetch.ts's bounds.
 */
import { StamplogError, isStamplogError } from '../base/index.ts';
import { TILE_WIDTH, entryBundlePath, splitEntryBundle, tileHashReaderAsync, tilePath } from '../merkle/index.ts';
import type { AsyncHashReader, SplitBundle, Tile, TreeHead } from '../merkle/index.ts';
import { MAX_NOTE_BYTES } from '../note/index.ts';
import { joinUrl } from './fetch.ts';
import type { FetchOptions } from './fetch.ts';
import { getBuffer } from './httpget.ts';

/** Most tiles one reader keeps (8 KiB each at most). */
const READER_CACHE_TILES = 2048;

/** A bounded tlog-tiles reader of the log at one URL. */
export class TileClient {
  readonly url: string;
  readonly #opts: FetchOptions;

  /** A reader of the log at `url` (http or https; MALFORMED otherwise), each request bounded by `opts`. */
  constructor(url: string, opts: FetchOptions = {}) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new StamplogError('MALFORMED', `log URL ${JSON.stringify(url)} is not an http(s) URL`);
    this.url = url.replace(/\/+$/, '');
    this.#opts = opts;
  }

  /** The request bounds this client uses (for another client of the same log, e.g. in a worker thread). */
  get options(): FetchOptions {
    return { ...this.#opts };
  }

  /** The signed checkpoint note the log serves now (unverified). */
  async checkpoint(): Promise<string> {
    const bytes = await getBuffer(joinUrl(this.url, 'checkpoint'), { ...this.#opts, maxBytes: MAX_NOTE_BYTES });
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  }

  /** The contents of hash tile `tile` (exactly width·32 bytes), unauthenticated. */
  async tile(tile: Tile): Promise<Uint8Array> {
    const want = tile.width * 32;
    const got = await this.#withFullFallback(tile, (t) => getBuffer(joinUrl(this.url, tilePath(t)), { ...this.#opts, maxBytes: TILE_WIDTH * 32 }));
    if (got.length < want) throw new StamplogError('MALFORMED', `${tilePath(tile)}: ${got.length} bytes, expected ${want}`);
    // A copy, as a plain Uint8Array: src/merkle copies hashes out with slice(), which on a Buffer would be a
    // view; and a cached tile must not keep a larger network buffer alive.
    return new Uint8Array(got.subarray(0, want));
  }

  /** The `width` leaves of entry bundle `index`, unauthenticated (the caller hashes them). */
  async entryBundle(index: number, width: number): Promise<Uint8Array[]> {
    const b = await this.entryBundleSplit(index, width);
    return Array.from({ length: b.count }, (_, i) => new Uint8Array(b.bytes.subarray(b.at[i] + 2, b.at[i + 1])));
  }

  /** The same leaves, as positions in the fetched bytes (src/merkle splitEntryBundle): no copy per leaf. */
  async entryBundleSplit(index: number, width: number): Promise<SplitBundle<Buffer>> {
    const tile: Tile = { level: 0, index, width };
    let exact = true;
    const bytes = await this.#withFullFallback(tile, (t) => {
      exact = t.width === width;
      return getBuffer(joinUrl(this.url, entryBundlePath(t)), this.#opts);
    });
    const b = splitEntryBundle(bytes, exact ? width : undefined);
    if (b.count < width) throw new StamplogError('MALFORMED', `entry bundle ${index}: ${b.count} leaves, expected ${width}`);
    return { bytes: b.bytes, at: b.at, count: width };
  }

  async #withFullFallback<T extends Uint8Array>(tile: Tile, get: (t: Tile) => Promise<T>): Promise<T> {
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

/**
 * A static C2SP tlog-tiles log in memory, served over node:http on loopback: /checkpoint, /tile/<L>/<N>[.p/W]
 * and /tile/entries/<N>[.p/W], from a MemoryTree. For tests that need a log to misbehave (tamper) and for the
 * audit benchmark (a fast tile server, as a CDN would be).
 *
 * With `staticBundles`, each full entry bundle is encoded once, when it fills up, and served as stored bytes,
 * as a CDN serves a file that a log wrote once (a full bundle never changes); partial bundles and tampered ones
 * are still encoded on request.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { MemoryTree, TILE_WIDTH, encodeEntryBundle, parseTilePath, tileData } from '../../src/merkle/index.ts';
import { cosignatureSigner, ed25519NoteSigner, signCheckpoint } from '../../src/note/index.ts';

export interface FakeLog {
  url: string;
  tree: MemoryTree;
  leaves: Uint8Array[];
  /** Appends leaves and re-signs the checkpoint. */
  append(leaves: readonly Uint8Array[]): void;
  /** Replaces the leaves a bundle serves (to make the log lie). */
  tamper?: (index: number, leaves: Uint8Array[]) => Uint8Array[];
  /** Serves this note at /checkpoint instead of its own (an old copy, another view). */
  checkpointNote?: string;
  /** Answers 404 for every hash tile (a log that will not show its tree). */
  noTiles?: boolean;
  /** The checkpoint note it signs now. */
  readonly note: string;
  close(): Promise<void>;
}

/**
 * `timestamp`: a cosignature/v1 key the log adds a signed time with on every checkpoint (as stamplog's
 * timestamp key does), at `now()` seconds.
 */
export async function startFakeLog(
  origin: string,
  signerKey: string,
  opts: { staticBundles?: boolean; timestamp?: { signerKey: string; now: () => number } } = {},
): Promise<FakeLog> {
  const tree = new MemoryTree();
  const leaves: Uint8Array[] = [];
  /** Encoded full bundles, by index (staticBundles only). */
  const full: Uint8Array[] = [];
  const signers = [ed25519NoteSigner(signerKey)];
  if (opts.timestamp !== undefined) signers.push(cosignatureSigner(opts.timestamp.signerKey, opts.timestamp.now));
  let note = signCheckpoint({ origin, size: 0, rootHash: tree.root() }, signers);
  const log: FakeLog = {
    url: '',
    tree,
    leaves,
    append(more) {
      for (const l of more) {
        leaves.push(l);
        tree.append(l);
        if (opts.staticBundles === true && leaves.length % TILE_WIDTH === 0) full.push(encodeEntryBundle(leaves.slice(-TILE_WIDTH)));
      }
      note = signCheckpoint({ origin, size: tree.size, rootHash: tree.root() }, signers);
    },
    get note() {
      return note;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').slice(1);
    try {
      if (path === 'checkpoint') {
        res.end(log.checkpointNote ?? note);
        return;
      }
      const { kind, tile } = parseTilePath(path);
      if (kind === 'hashes' && log.noTiles === true) {
        res.statusCode = 404;
        res.end();
        return;
      }
      const have = Math.floor(tree.size / 2 ** (8 * tile.level)) - tile.index * TILE_WIDTH;
      if (have < tile.width) {
        res.statusCode = 404;
        res.end();
        return;
      }
      if (kind === 'hashes') {
        res.end(tileData(tile, tree));
        return;
      }
      const stored = full[tile.index];
      if (stored !== undefined && tile.width === TILE_WIDTH && log.tamper === undefined) {
        res.end(stored);
        return;
      }
      let bundle = leaves.slice(tile.index * TILE_WIDTH, tile.index * TILE_WIDTH + tile.width);
      if (log.tamper !== undefined) bundle = log.tamper(tile.index, bundle);
      res.end(encodeEntryBundle(bundle));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  log.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return log;
}

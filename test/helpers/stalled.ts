/**
 * Uploads that stall: a POST that announces `declaredLength` bytes, sends `sent` of them and then nothing, kept
 * open until the server answers or closes, or until the test destroys it. For the body budget's tests
 * (src/http/bodybudget.ts), in process and against the real server.
 *
 *   const up = stalledUpload(port, { path: '/api/v1/entries/batch', headers, declaredLength: 8 << 20, sent: Buffer.alloc(1 << 20, 0x20) });
 *   const answer = await up.answer;   // undefined if the connection closed without an answer
 */
import { request } from 'node:http';

/** The answer to a stalled upload. */
export interface StalledAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or undefined. */
  json: { code?: string } | undefined;
  /** ms from the request's start to the answer's headers. */
  afterMs: number;
}

export interface StalledUpload {
  /** Resolves with the answer, or undefined if the connection closed (or was destroyed) without one. */
  answer: Promise<StalledAnswer | undefined>;
  /** Resolves once everything given to `send`/`write` was handed to the kernel (or the connection failed). */
  written: Promise<void>;
  /** Whether the answer's headers have arrived. */
  answered(): boolean;
  /** Sends more of the body. */
  write(bytes: Uint8Array): void;
  /** Closes the connection from the client side (an aborted upload). */
  destroy(): void;
}

export function stalledUpload(
  port: number,
  opts: { path: string; headers: Record<string, string>; declaredLength?: number; sent: Uint8Array },
): StalledUpload {
  const start = Date.now();
  // Keep-alive, as fetch and most clients ask: with `Connection: close` (node's default without an agent) the
  // server closes a connection it refuses before reading its body, and the data still arriving then makes the
  // client's kernel drop the answer (a reset instead of the 503).
  const headers: Record<string, string> = { connection: 'keep-alive', ...opts.headers };
  if (opts.declaredLength !== undefined) headers['content-length'] = String(opts.declaredLength);
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: opts.path, headers, agent: false });
  let gotHeaders = false;
  const answer = new Promise<StalledAnswer | undefined>((resolve) => {
    let settled = false;
    const settle = (v: StalledAnswer | undefined) => {
      if (!settled) resolve(v);
      settled = true;
    };
    req.on('response', (res) => {
      gotHeaders = true;
      const afterMs = Date.now() - start;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: { code?: string } | undefined;
        try {
          json = JSON.parse(text) as { code?: string };
        } catch {
          json = undefined;
        }
        settle({ status: res.statusCode ?? 0, headers: res.headers, text, json, afterMs });
      });
      res.on('error', () => settle(undefined));
      res.on('close', () => settle(undefined));
    });
    req.on('error', () => {
      if (!gotHeaders) settle(undefined);
    });
    req.on('close', () => {
      if (!gotHeaders) settle(undefined);
    });
  });
  const written = new Promise<void>((resolve) => {
    req.write(opts.sent, () => resolve());
    req.once('error', () => resolve());
    req.once('close', () => resolve());
  });
  return {
    answer,
    written,
    answered: () => gotHeaders,
    write: (bytes) => {
      if (!req.destroyed) req.write(bytes);
    },
    destroy: () => req.destroy(),
  };
}

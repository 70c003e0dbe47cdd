/**
 * Load generator, run as its own process so that it never shares the server's event loop:
 *   tsx bench/loadgen.ts <json config>
 * config: { url, mode: 'append' | 'batch' | 'proof', concurrency, seconds, token?, signed?, batchSize?,
 *           proofSize?, seed? }
 * Prints one JSON line: { requests, entries, seconds, perSecond, entriesPerSecond, p50, p99, errors, statuses }.
 * Requests are HTTP/1.1 keep-alive over node:http (one socket per concurrent client). Submissions (and their
 * Ed25519 publisher signatures) are prepared before the clock starts: signing is the publisher's cost, not the
 * log's — but the log verifies every signature it receives.
 */
import http from 'node:http';
import { randomBytes, createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { signStatement, toBase64 } from '../src/leaf/index.ts';
import type { Submission } from '../src/leaf/types.ts';

interface Config {
  url: string;
  mode: 'append' | 'batch' | 'proof';
  concurrency: number;
  seconds: number;
  token?: string;
  signed?: boolean;
  batchSize?: number;
  proofSize?: number;
  /** Distinguishes runs so that entries are never duplicates of an earlier run's. */
  seed?: string;
}

const cfg = JSON.parse(process.argv[2]) as Config;
const target = new URL(cfg.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
const seed = cfg.seed ?? randomBytes(8).toString('hex');
const signer = randomBytes(32);

function submission(i: number): unknown {
  const sha = createHash('sha256').update(`${seed}-${i}`).digest();
  const sub: Submission = {
    kind: 'artifact',
    subject: { project: `bench-${i % 500}`, version: `1.0.${i}`, filename: `bench_${seed}_${i}-1.0-py3-none-any.whl`, sha256: sha, size: 1000 + i },
  };
  const json: Record<string, unknown> = {
    kind: sub.kind,
    subject: { ...sub.subject, sha256: sha.toString('hex') },
  };
  if (cfg.signed) {
    const s = signStatement(signer, sub);
    json.sig = { alg: 'ed25519', key: toBase64(s.key), sig: toBase64(s.sig) };
  }
  return json;
}

function request(method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (cfg.token) headers.authorization = `Bearer ${cfg.token}`;
    const req = http.request({ host: target.hostname, port: target.port, method, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Prepare request bodies ahead of time (bounded: enough for the run at a generous rate).
const perRequest = cfg.mode === 'batch' ? (cfg.batchSize ?? 1000) : 1;
const maxRequests = cfg.mode === 'batch' ? Math.ceil(120_000 * cfg.seconds / perRequest) : Math.ceil(20_000 * cfg.seconds);
const bodies: string[] = [];
if (cfg.mode === 'append') for (let i = 0; i < maxRequests; i++) bodies.push(JSON.stringify(submission(i)));
if (cfg.mode === 'batch') {
  for (let r = 0; r < maxRequests; r++) {
    bodies.push(JSON.stringify({ entries: Array.from({ length: perRequest }, (_, k) => submission(r * perRequest + k)) }));
  }
}

const latencies: number[] = [];
const statuses = new Map<number, number>();
let next = 0;
let errors = 0;
const start = performance.now();
const cpuStart = process.cpuUsage();
const deadline = start + cfg.seconds * 1000;

async function client(): Promise<void> {
  while (performance.now() < deadline) {
    const i = next++;
    let path: string;
    let body: string | undefined;
    if (cfg.mode === 'proof') {
      const size = cfg.proofSize ?? 1;
      path = `/api/v1/proofs/inclusion?index=${Math.floor(Math.random() * size)}&size=${size}`;
    } else {
      if (i >= bodies.length) break;
      path = cfg.mode === 'batch' ? '/api/v1/entries/batch' : '/api/v1/entries';
      body = bodies[i];
    }
    const t0 = performance.now();
    try {
      const status = await request(body === undefined ? 'GET' : 'POST', path, body);
      latencies.push(performance.now() - t0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 300) errors++;
    } catch {
      errors++;
    }
  }
}

await Promise.all(Array.from({ length: cfg.concurrency }, client));
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
const ok = latencies.length - errors;
console.log(
  JSON.stringify({
    requests: latencies.length,
    entries: ok * perRequest,
    seconds,
    perSecond: latencies.length / seconds,
    entriesPerSecond: (ok * perRequest) / seconds,
    p50: q(0.5),
    p99: q(0.99),
    errors,
    statuses: Object.fromEntries(statuses),
    // The load generator's own CPU during the run, in cores: near 1 means the client, not the server, limits.
    clientCores: (() => {
      const u = process.cpuUsage(cpuStart);
      return (u.user + u.system) / 1e6 / seconds;
    })(),
  }),
);
agent.destroy();

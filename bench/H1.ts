/**
 * H1 — HTTP source: 20 concurrent clients POST NDJSON bodies of 100 records (100-byte JSON values,
 * keyed by `user`) for 10 s to the webhook source of a worker on an embedded log in a temp dir
 * (flush: always, so every 200 means fdatasync'd). Figures: records/s accepted (answered 200) and
 * the p99 response time seen by the clients. The clients run in a worker thread with keep-alive
 * connections, so they do not share the source's event loop. After each run the topic's size is
 * checked against the records accepted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HttpSource, httpSourceConfig } from '../connectors/http/source.js';
import { embedded } from '../core/client/embedded/client.js';
import { app } from '../core/worker/app.js';
import { silentLogger } from '../core/worker/logger.js';
import { median, padJson, peakRssMb, percentile, report, userKeys } from './lib.js';

const CLIENTS = 20;
const PER_BODY = 100;
const SECONDS = Number(process.env.H1_SECONDS ?? 10);

const bodies: string[] = [];
{
  const keys = userKeys(200 * PER_BODY);
  for (let b = 0; b < 200; b++) {
    let body = '';
    for (let i = 0; i < PER_BODY; i++) {
      const j = b * PER_BODY + i;
      body += padJson({ user: keys[j], n: j, event: j % 2 ? 'click' : 'view' }) + '\n';
    }
    bodies.push(body);
  }
}

/** The load generator (plain JS, run in a worker thread). */
const clientCode = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, bodies, clients, durationMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const bufs = bodies.map((b) => Buffer.from(b));
const latencies = [];
let accepted = 0, requests = 0, refused = 0, failed = 0;
const post = (body) => new Promise((resolve) => {
  const t0 = performance.now();
  const req = http.request({ host: '127.0.0.1', port, path: '/ingest', method: 'POST', agent,
    headers: { 'content-type': 'application/x-ndjson', 'content-length': body.length } }, (res) => {
    res.resume();
    res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
  });
  req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
  req.end(body);
});
(async () => {
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let k = c; performance.now() < end; k += clients) {
      const r = await post(bufs[k % bufs.length]);
      requests++;
      latencies.push(r.ms);
      if (r.status === 200) accepted += ${PER_BODY};
      else if (r.status === 429 || r.status === 503) refused++;
      else failed++;
    }
  }));
  agent.destroy();
  parentPort.postMessage({ seconds: (performance.now() - start) / 1000, accepted, requests, refused, failed, latencies });
})();
`;

interface Run {
  rate: number;
  p50: number;
  p99: number;
  requests: number;
  refused: number;
  failed: number;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-h1-'));

async function once(seconds: number): Promise<Run> {
  const dataDir = fs.mkdtempSync(path.join(root, 'run-'));
  const client = embedded({ dataDir, flush: 'always', maintenanceIntervalMs: 0 });
  const a = app({ id: 'h1', log: client, logger: silentLogger });
  const src = new HttpSource(httpSourceConfig.parse({ port: 0, path: '/ingest', keyField: 'user' }));
  a.addSource('webhook', src, { topic: 'events' });
  await a.start();
  const worker = new Worker(clientCode, { eval: true, workerData: { port: src.address().port, bodies, clients: CLIENTS, durationMs: seconds * 1000 } });
  const res = await new Promise<{ seconds: number; accepted: number; requests: number; refused: number; failed: number; latencies: number[] }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const stored = (await client.admin().listOffsets('events', 'latest'))[0]!.offset;
  await a.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (stored < res.accepted) throw new Error(`H1: ${res.accepted} records answered 200 but only ${stored} in the log`);
  const lat = res.latencies.sort((x, y) => x - y);
  return { rate: res.accepted / res.seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), requests: res.requests, refused: res.refused, failed: res.failed };
}

await once(Math.min(3, SECONDS)); // warm-up
const runs: Run[] = [];
for (let i = 0; i < 3; i++) runs.push(await once(SECONDS));
fs.rmSync(root, { recursive: true, force: true });
const mid = runs.find((r) => r.rate === median(runs.map((x) => x.rate)))!;
process.stderr.write(`H1 runs: ${runs.map((r) => `${Math.round(r.rate)} rec/s p99 ${r.p99.toFixed(1)} ms (${r.requests} requests, ${r.refused} refused, ${r.failed} failed)`).join('; ')}\n`);
report('H1', 'records', Math.round(mid.rate), 'records/s');
report('H1', 'latency-p50', mid.p50, 'ms');
report('H1', 'latency-p99', mid.p99, 'ms');
report('H1', 'peak-rss', Math.round(peakRssMb()), 'MB');

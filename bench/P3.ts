/**
 * P3 — windowed join: 500 000 orders and 500 000 payments keyed by order id, joined within 10 s,
 * through the real worker on the embedded log (both topics one partition, co-partitioned).
 * P3-threads: the same over 2 partitions per topic, the app in 2 task threads (threadedApp).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import { threadedApp } from '../core/worker/threads/threaded-app.js';
import { p3App } from './apps/p3-app.js';
import { median, mulberry32, peakRssMb, report } from './lib.js';

const N = Number(process.env.P3_N ?? 500_000);
const WITHIN = 10_000;

interface Input {
  key: string;
  value: string;
  timestamp: number;
}

/** The orders and payments, 1 000 of each at a time (seed 42): payments 0–5 s after their order. */
function* inputs(): Generator<{ orders: Input[]; payments: Input[] }> {
  const rnd = mulberry32(42);
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < N; i += 1000) {
    const orders: Input[] = [];
    const payments: Input[] = [];
    for (let j = i; j < i + 1000; j++) {
      const ts = t0 + j;
      orders.push({ key: `order-${j}`, value: JSON.stringify({ id: j, amount: Math.round(rnd() * 10000) / 100 }), timestamp: ts });
      payments.push({ key: `order-${j}`, value: JSON.stringify({ order: j, paid: true }), timestamp: ts + Math.floor(rnd() * 5000) });
    }
    yield { orders, payments };
  }
}

/**
 * The same join as a plain loop, for a ratio that compares across machines and hours (as P2's
 * plain loop does): both inputs in timestamp order (sorted before the clock starts), JSON.parse of
 * every value, one Map of buffered records per key, a match within 10 s on either side, the
 * joined value's JSON text, and expiry of records no partner can reach (2 × 10 s behind stream
 * time) from a time-ordered queue. No log, no changelog, no record objects.
 */
function plainJoinLoop(): { seconds: number; joined: number } {
  const merged: Array<Input & { left: boolean }> = [];
  for (const { orders, payments } of inputs()) {
    for (const o of orders) merged.push({ ...o, left: true });
    for (const r of payments) merged.push({ ...r, left: false });
  }
  merged.sort((a, b) => a.timestamp - b.timestamp);
  const t = performance.now();
  const byKey = new Map<string, { left?: { ts: number; v: { id: number; amount: number } }; right?: { ts: number; v: { paid: boolean } } }>();
  const expiry: Array<{ ts: number; key: string }> = [];
  let head = 0;
  let streamTime = -1;
  let joined = 0;
  let bytes = 0;
  for (const r of merged) {
    const ts = r.timestamp;
    if (ts > streamTime) streamTime = ts;
    const v = JSON.parse(r.value);
    let e = byKey.get(r.key);
    if (e === undefined) byKey.set(r.key, (e = {}));
    const other = r.left ? e.right : e.left;
    if (other !== undefined && Math.abs(other.ts - ts) <= WITHIN) {
      const l = r.left ? v : e.left!.v;
      const p = r.left ? e.right!.v : v;
      bytes += JSON.stringify({ id: l.id, amount: l.amount, paid: p.paid }).length;
      joined++;
    }
    if (r.left) e.left = { ts, v };
    else e.right = { ts, v };
    expiry.push({ ts, key: r.key });
    while (expiry[head]!.ts + 2 * WITHIN < streamTime) byKey.delete(expiry[head++]!.key);
  }
  const seconds = (performance.now() - t) / 1000;
  if (bytes === 0) throw new Error('P3 plain loop wrote nothing');
  return { seconds, joined };
}
const THREADS = 2;
const startMs: number[] = [];

/** One run; with `threads`, the topics have that many partitions and the app runs in that many task threads. */
async function once(threads = 0): Promise<number> {
  const partitions = Math.max(1, threads);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p3-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('orders', { partitions });
  await client.admin().createTopic('payments', { partitions });
  const p = client.producer();
  for (const { orders, payments } of inputs()) {
    await p.send('orders', orders);
    await p.send('payments', payments);
  }
  const a = threads ? threadedApp({ module: new URL('./apps/p3-app.ts', import.meta.url), threads, log: client }) : p3App(client);
  // Timed from the end of start() (for task threads it includes loading the modules in each thread).
  const ts = performance.now();
  await a.start();
  const start = performance.now();
  startMs.push(start - ts);
  const { engine } = await client.deps();
  for (;;) {
    const g = await client.admin().describeGroup('p3.orders-0');
    if (g.offsets.reduce((s, o) => s + o.committed, 0) >= 2 * N) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const secs = (performance.now() - start) / 1000;
  const joined = engine.describeTopic('paid-orders').partitions.reduce((n, p) => n + p.highWatermark, 0);
  await a.stop();
  if (threads) await client.close(); // a threaded app leaves the log open
  fs.rmSync(dir, { recursive: true, force: true });
  if (joined !== N) throw new Error(`P3: expected ${N} joined records, got ${joined}`);
  return secs;
}

await once();
const secs = median([await once(), await once(), await once()]);
report('P3', 'records', Math.round((2 * N) / secs), 'records/s');
plainJoinLoop(); // warm-up
const loops = [plainJoinLoop(), plainJoinLoop(), plainJoinLoop()];
if (loops.some((l) => l.joined !== N)) throw new Error(`P3 plain loop joined ${loops.map((l) => l.joined).join(', ')} of ${N}`);
const loopSecs = median(loops.map((l) => l.seconds));
report('P3', 'plain-loop', Math.round((2 * N) / loopSecs), 'records/s');
report('P3', 'ratio-to-plain-loop', loopSecs / secs, 'x');
await once(THREADS);
startMs.length = 0;
const tsecs = median([await once(THREADS), await once(THREADS), await once(THREADS)]);
report('P3-threads', 'records', Math.round((2 * N) / tsecs), 'records/s');
report('P3-threads', 'start', Math.round(median(startMs)), 'ms');
report('P3', 'peak-rss', Math.round(peakRssMb()), 'MB');

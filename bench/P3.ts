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
import { p3Inputs, type P3Input } from './apps/p3-inputs.js';
import { median, peakRssMb, report, waitForCommitted } from './lib.js';

const N = Number(process.env.P3_N ?? 500_000);
const WITHIN = 10_000;

type Input = P3Input;
const inputs = () => p3Inputs(N);

/**
 * The same join as a plain loop, for a ratio that compares across machines and hours (as P2's
 * plain loop does): both inputs in timestamp order (sorted before the clock starts), JSON.parse of
 * every value, one entry per key holding each side's last record (one object shape, updated in
 * place), a match within 10 s on either side, the joined value's JSON text, and expiry of records
 * no partner can reach (2 × 10 s behind stream time) from a time-ordered queue in two flat arrays.
 * No log, no changelog, no record objects. This is its fastest honest shape: an earlier loop built
 * a new `{ ts, v }` per record, entries of several shapes and a queue of objects, and ran 1.4–2×
 * slower, so it flattered P3 (2026-12-03: 0.33–0.47 M against 0.49–0.69 M records/s here).
 */
interface JoinEntry {
  leftTs: number;
  left: { id: number; amount: number } | null;
  rightTs: number;
  right: { paid: boolean } | null;
}

function plainJoinLoop(merged: ReadonlyArray<Input & { left: boolean }>): { seconds: number; joined: number } {
  const t = performance.now();
  const byKey = new Map<string, JoinEntry>();
  const expiryTs = new Float64Array(merged.length);
  const expiryKey: string[] = new Array<string>(merged.length);
  let tail = 0;
  let head = 0;
  let streamTime = -1;
  let joined = 0;
  let bytes = 0;
  for (let i = 0; i < merged.length; i++) {
    const r = merged[i]!;
    const ts = r.timestamp;
    if (ts > streamTime) streamTime = ts;
    const v = JSON.parse(r.value);
    let e = byKey.get(r.key);
    if (e === undefined) {
      e = { leftTs: 0, left: null, rightTs: 0, right: null };
      byKey.set(r.key, e);
    }
    if (r.left) {
      if (e.right !== null && Math.abs(e.rightTs - ts) <= WITHIN) {
        bytes += JSON.stringify({ id: v.id, amount: v.amount, paid: e.right.paid }).length;
        joined++;
      }
      e.leftTs = ts;
      e.left = v;
    } else {
      if (e.left !== null && Math.abs(e.leftTs - ts) <= WITHIN) {
        bytes += JSON.stringify({ id: e.left.id, amount: e.left.amount, paid: v.paid }).length;
        joined++;
      }
      e.rightTs = ts;
      e.right = v;
    }
    expiryTs[tail] = ts;
    expiryKey[tail++] = r.key;
    while (expiryTs[head]! + 2 * WITHIN < streamTime) byKey.delete(expiryKey[head++]!);
  }
  const seconds = (performance.now() - t) / 1000;
  if (bytes === 0) throw new Error('P3 plain loop wrote nothing');
  return { seconds, joined };
}

/** Both inputs merged in timestamp order, built once before any loop's clock starts. */
function mergedInputs(): Array<Input & { left: boolean }> {
  const merged: Array<Input & { left: boolean }> = [];
  for (const { orders, payments } of inputs()) {
    for (const o of orders) merged.push({ ...o, left: true });
    for (const r of payments) merged.push({ ...r, left: false });
  }
  return merged.sort((a, b) => a.timestamp - b.timestamp);
}
const THREADS = 2;
const startMs: number[] = [];

/** One run; with `threads`, the topics have that many partitions and the app runs in that many task threads. */
async function once(threads = 0): Promise<number> {
  return (await timedOnce(threads)).secs;
}

/** One run: its seconds and the process's CPU seconds over them (all threads). */
async function timedOnce(threads = 0): Promise<{ secs: number; cpu: number }> {
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
  const cpu0 = process.cpuUsage();
  startMs.push(start - ts);
  const { engine } = await client.deps();
  await waitForCommitted(client, 'p3.orders-0', 2 * N);
  const secs = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu0);
  const joined = engine.describeTopic('paid-orders').partitions.reduce((n, p) => n + p.highWatermark, 0);
  await a.stop();
  if (threads) await client.close(); // a threaded app leaves the log open
  fs.rmSync(dir, { recursive: true, force: true });
  if (joined !== N) throw new Error(`P3: expected ${N} joined records, got ${joined}`);
  return { secs, cpu: (used.user + used.system) / 1e6 };
}

// The plain loop runs next to each timed run (loop, P3, loop, P3, …), so both medians come from the
// same minutes: this machine's speed drifts by 2× over hours and by 30 % between minutes.
// Its input is built anew for each loop and dropped before P3 runs, so P3's GCs never trace it.
plainJoinLoop(mergedInputs()); // warm-up
// Peak RSS so far is the loop's input (1 M records merged and sorted) on top of the process's start.
const rssAfterLoop = peakRssMb();
await once();
const runs: number[] = [];
const cpus: number[] = [];
const loops: Array<{ seconds: number; joined: number }> = [];
for (let i = 0; i < 3; i++) {
  loops.push(plainJoinLoop(mergedInputs()));
  const r = await timedOnce();
  runs.push(r.secs);
  cpus.push(r.cpu / ((2 * N) / 1e6));
}
const rssOneThread = peakRssMb();
if (loops.some((l) => l.joined !== N)) throw new Error(`P3 plain loop joined ${loops.map((l) => l.joined).join(', ')} of ${N}`);
const secs = median(runs);
const loopSecs = median(loops.map((l) => l.seconds));
report('P3', 'records', Math.round((2 * N) / secs), 'records/s');
report('P3', 'plain-loop', Math.round((2 * N) / loopSecs), 'records/s');
report('P3', 'ratio-to-plain-loop', loopSecs / secs, 'x');
report('P3', 'cpu-per-million', median(cpus), 's');
await once(THREADS);
startMs.length = 0;
const tsecs = median([await once(THREADS), await once(THREADS), await once(THREADS)]);
report('P3-threads', 'records', Math.round((2 * N) / tsecs), 'records/s');
report('P3-threads', 'start', Math.round(median(startMs)), 'ms');
report('P3', 'peak-rss', Math.round(peakRssMb()), 'MB');
// Where the peak comes from: the plain loop's input alone, then with the one-thread runs, then (above) the task threads too.
report('P3', 'peak-rss-loop-input', Math.round(rssAfterLoop), 'MB');
report('P3', 'peak-rss-one-thread', Math.round(rssOneThread), 'MB');

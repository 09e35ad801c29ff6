/**
 * P2 — windowed count: 1 000 000 activity events (JSON values, keyed by userId) counted per user
 * in 5 s tumbling windows with 1 s grace, final results when windows close, through the real
 * worker on the embedded log. Checked against a plain loop (`for` + `Map`, JSON.parse included)
 * over the same JSON strings. P2-late: the same with 200 ms grace, reporting the dropped count.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import { defaultPartition } from '../core/log/partitioner.js';
import { threadedApp } from '../core/worker/threads/threaded-app.js';
import { Redis } from 'ioredis';
import type { StoreBackendOptions } from '../processors/index.js';
import { deleteKeysWithPrefix } from '../processors/stores/redis-util.js';
import { p2App, SIZE } from './apps/p2-app.js';
import { activityEvents, median, peakRssMb, report } from './lib.js';

const N = Number(process.env.P2_N ?? 1_000_000);
const THREADS = 2;
/** The events as JSON texts. Made afresh where needed, never held across the timed runs: a large live heap slows every GC of the pipeline. */
function eventTexts(): { texts: string[]; keys: string[]; ts: number[] } {
  const events = activityEvents(N);
  return { texts: events.map((e) => JSON.stringify(e)), keys: events.map((e) => e.userId), ts: events.map((e) => e.ts) };
}

function plainLoop(texts: string[], grace: number): { counts: Map<string, number>; dropped: number; streamTime: number } {
  const counts = new Map<string, number>();
  let streamTime = -1;
  let dropped = 0;
  for (let i = 0; i < texts.length; i++) {
    const e = JSON.parse(texts[i]!) as { userId: string; ts: number };
    if (e.ts > streamTime) streamTime = e.ts;
    const start = e.ts - (e.ts % SIZE);
    if (start + SIZE + grace <= streamTime) {
      dropped++;
      continue;
    }
    const k = `${e.userId}@${start}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return { counts, dropped, streamTime };
}

/**
 * One run through the worker. With `threads`, the topic has that many partitions (keyed by user,
 * murmur2) and the app runs in that many task threads (threadedApp).
 */
async function pipeline(grace: number, store?: StoreBackendOptions, n = N, threads = 0): Promise<{ seconds: number; startMs: number; results: Map<string, number>; dropped: number }> {
  const partitions = Math.max(1, threads);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p2-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('events', { partitions });
  const producer = client.producer();
  {
    const { texts, keys, ts } = eventTexts();
    for (let i = 0; i < n; i += 1000) {
      const batch = [];
      for (let j = i; j < i + 1000; j++) batch.push({ key: keys[j]!, value: texts[j]!, timestamp: ts[j]! });
      await producer.send('events', batch);
    }
  }
  const a = threads ? threadedApp({ module: new URL('./apps/p2-app.ts', import.meta.url), threads, log: client, data: { grace } }) : p2App(client, grace, store);
  // Timed from the end of start(): for task threads, start() includes loading the modules in
  // each thread (reported apart as start-ms), as a process start would.
  const ts = performance.now();
  await a.start();
  const t0 = performance.now();
  const startMs = t0 - ts;
  const { engine } = await client.deps();
  for (;;) {
    const g = await client.admin().describeGroup('p2.events-0');
    if (g.offsets.reduce((sum, o) => sum + o.committed, 0) >= n) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  const dropped = 'metricTotal' in a ? await a.metricTotal('sluice_late_records_total') : a.metrics.total('sluice_late_records_total');
  const results = new Map<string, number>();
  for (let p = 0; p < partitions; p++) {
    for (const r of (await engine.readRecords('counts-out', p, 0, 1 << 30)).records) {
      const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
      results.set(`${k.key}@${k.window.start}`, Number(r.value!.toString()));
    }
  }
  await a.stop();
  if (threads) await client.close(); // a threaded app leaves the log open
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds, startMs, results, dropped };
}

/** Checks a run against the plain loop, run per partition (each task has its own stream time). */
function check(grace: number, res: { results: Map<string, number>; dropped: number }, partitions = 1): { compared: number; all: number } {
  const { texts, keys } = eventTexts();
  const split: string[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; i < N; i++) split[partitions === 1 ? 0 : defaultPartition(keys[i]!, partitions)]!.push(texts[i]!);
  let compared = 0;
  let dropped = 0;
  let all = 0;
  for (const part of split) {
    const plain = plainLoop(part, grace);
    dropped += plain.dropped;
    all += plain.counts.size;
    for (const [k, n] of plain.counts) {
      const start = Number(k.split('@')[1]);
      if (start + SIZE + grace > plain.streamTime) continue; // still open: not emitted in final mode
      if (res.results.get(k) !== n) throw new Error(`P2 mismatch for ${k}: pipeline ${res.results.get(k)}, plain loop ${n}`);
      compared++;
    }
  }
  if (compared !== res.results.size) throw new Error(`P2: pipeline emitted ${res.results.size} windows, the plain loop closed ${compared}`);
  if (res.dropped !== dropped) throw new Error(`P2: pipeline dropped ${res.dropped}, plain loop ${dropped}`);
  // Windows closed and still open at the end: the figure the reference (limits.mjs) counts.
  return { compared, all };
}

await pipeline(1000); // warm-up
// Each run's results are checked (the first) or dropped before the next run starts: 783 k result
// entries held across runs would slow every GC of the next pipeline.
const first = await pipeline(1000);
const windows = check(1000, first);
const seconds = [first.seconds];
first.results.clear();
for (let i = 0; i < 2; i++) seconds.push((await pipeline(1000)).seconds);
const secs = median(seconds);
// Plain loop: warm-up + 3 runs.
const { texts } = eventTexts();
plainLoop(texts, 1000);
const loopSecs = median([0, 1, 2].map(() => {
  const t = performance.now();
  plainLoop(texts, 1000);
  return (performance.now() - t) / 1000;
}));
report('P2', 'events', Math.round(N / secs), 'events/s');
report('P2', 'plain-loop', Math.round(N / loopSecs), 'events/s');
report('P2', 'ratio-to-plain-loop', loopSecs / secs, 'x');
report('P2', 'windows-checked', windows.compared, 'windows');
report('P2', 'windows', windows.all, 'windows');
report('P2', 'dropped', first.dropped, 'events');
const late = await pipeline(200);
const lateWindows = check(200, late);
report('P2-late', 'events', Math.round(N / late.seconds), 'events/s');
report('P2-late', 'dropped', late.dropped, 'events');
report('P2-late', 'windows', lateWindows.all, 'windows');
// P2-threads: the same over 2 partitions, the app in 2 task threads, checked per partition.
{
  await pipeline(1000, undefined, N, THREADS); // warm-up
  const firstT = await pipeline(1000, undefined, N, THREADS);
  check(1000, firstT, THREADS);
  firstT.results.clear();
  const tsecs = [firstT.seconds];
  const starts = [firstT.startMs];
  for (let i = 0; i < 2; i++) {
    const r = await pipeline(1000, undefined, N, THREADS);
    tsecs.push(r.seconds);
    starts.push(r.startMs);
  }
  const t = median(tsecs);
  report('P2-threads', 'events', Math.round(N / t), 'events/s');
  report('P2-threads', 'ratio-to-plain-loop', loopSecs / t, 'x');
  report('P2-threads', 'start', Math.round(median(starts)), 'ms');
}
report('P2', 'peak-rss', Math.round(peakRssMb()), 'MB');

// P2-redis: the same pipeline with the windows in Redis (store: { backend: 'redis' }) on the
// first 200 000 events (one run: it is bounded by Redis round trips, not by the pipeline).
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
try {
  await redis.connect();
  const prefix = `sluice-bench-p2:${process.pid}:`;
  const nRedis = Math.min(N, 200_000);
  const res = await pipeline(1000, { backend: 'redis', redis, prefix }, nRedis);
  await deleteKeysWithPrefix(redis, prefix);
  report('P2-redis', 'events', Math.round(nRedis / res.seconds), 'events/s');
} catch (err) {
  console.error(`P2-redis skipped: no Redis (${(err as Error).message})`);
} finally {
  redis.disconnect();
}

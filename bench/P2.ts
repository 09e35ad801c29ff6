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
import { app } from '../core/worker/app.js';
import { silentLogger } from '../core/worker/logger.js';
import { Redis } from 'ioredis';
import { count, groupByKey, string, to, tumbling, windowed, type StoreBackendOptions } from '../processors/index.js';
import { deleteKeysWithPrefix } from '../processors/stores/redis-util.js';
import { activityEvents, median, peakRssMb, report } from './lib.js';

const N = Number(process.env.P2_N ?? 1_000_000);
const SIZE = 5000;
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

async function pipeline(grace: number, store?: StoreBackendOptions, n = N): Promise<{ seconds: number; results: Map<string, number>; dropped: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p2-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('events', { partitions: 1 });
  const producer = client.producer();
  {
    const { texts, keys, ts } = eventTexts();
    for (let i = 0; i < n; i += 1000) {
      const batch = [];
      for (let j = i; j < i + 1000; j++) batch.push({ key: keys[j]!, value: texts[j]!, timestamp: ts[j]! });
      await producer.send('events', batch);
    }
  }
  const a = app({ id: 'p2', log: client, logger: silentLogger, batch: { maxRecords: 50_000, maxWaitMs: 20, maxBytesPerPartition: 8 * 1024 * 1024 } });
  a.stream<string, { userId: string; ts: number }>('events', { key: string(), timestamp: (v) => v.ts }).pipe(
    groupByKey(), // the topic is keyed by userId already: no repartition
    windowed(tumbling(SIZE, { grace })),
    count({ emit: 'final', name: 'counts', store }),
    to('counts-out'),
  );
  const t0 = performance.now();
  await a.start();
  const { engine } = await client.deps();
  for (;;) {
    const g = await client.admin().describeGroup('p2.events-0');
    if ((g.offsets[0]?.committed ?? 0) >= n) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  const dropped = a.metrics.total('sluice_late_records_total');
  const results = new Map<string, number>();
  for (const r of (await engine.readRecords('counts-out', 0, 0, 1 << 30)).records) {
    const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
    results.set(`${k.key}@${k.window.start}`, Number(r.value!.toString()));
  }
  await a.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds, results, dropped };
}

function check(grace: number, res: { results: Map<string, number>; dropped: number }): number {
  const plain = plainLoop(eventTexts().texts, grace);
  let compared = 0;
  for (const [k, n] of plain.counts) {
    const start = Number(k.split('@')[1]);
    if (start + SIZE + grace > plain.streamTime) continue; // still open: not emitted in final mode
    if (res.results.get(k) !== n) throw new Error(`P2 mismatch for ${k}: pipeline ${res.results.get(k)}, plain loop ${n}`);
    compared++;
  }
  if (compared !== res.results.size) throw new Error(`P2: pipeline emitted ${res.results.size} windows, the plain loop closed ${compared}`);
  if (res.dropped !== plain.dropped) throw new Error(`P2: pipeline dropped ${res.dropped}, plain loop ${plain.dropped}`);
  return compared;
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
report('P2', 'windows-checked', windows, 'windows');
const late = await pipeline(200);
check(200, late);
report('P2-late', 'events', Math.round(N / late.seconds), 'events/s');
report('P2-late', 'dropped', late.dropped, 'events');
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

/**
 * P2 — windowed count: 1 000 000 activity events (JSON values, keyed by userId) counted per user
 * in 5 s tumbling windows with 1 s grace, final results when windows close, through the real
 * worker on the embedded log; event time is the record's timestamp (set to the event's ts by the
 * producer), so no value is decoded. Each checked run is compared, streamed, with the reference's
 * loop shape (limits.mjs: one Map per open window): same windows, counts, order and dropped count.
 * P2-late: the same with 200 ms grace, reporting the dropped count. Peak RSS is reported after
 * the single-thread runs and at the end (the task threads add two heaps).
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
import { activityEventStream, median, peakRssMb, report, waitForCommitted } from './lib.js';

const N = Number(process.env.P2_N ?? 1_000_000);
const THREADS = 2;
type Event = { userId: string; ts: number };

/** The plain loop diagnostic (own loop, not the reference): JSON.parse per event, one Map of `user@start` keys. */
function plainLoop(texts: string[], grace: number): number {
  const counts = new Map<string, number>();
  let streamTime = -1;
  let dropped = 0;
  for (let i = 0; i < texts.length; i++) {
    const e = JSON.parse(texts[i]!) as Event;
    if (e.ts > streamTime) streamTime = e.ts;
    const start = e.ts - (e.ts % SIZE);
    if (start + SIZE + grace <= streamTime) {
      dropped++;
      continue;
    }
    const k = `${e.userId}@${start}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return dropped + counts.size; // used, so the loop is not optimized away
}

/**
 * What the pipeline must emit for one partition's events, as the reference computes it (one Map
 * per open window, each closed once stream time passes end + grace), window by window in start
 * order, keys sorted within a window (the final results' order). Holds only the open windows.
 */
function* expectedWindows(events: Iterable<Event>, grace: number, tally: { dropped: number; windows: number }): Generator<[string, number, number]> {
  const open = new Map<number, Map<string, number>>();
  let st = -Infinity;
  const close = function* (all: boolean) {
    const closing = [...open.keys()].filter((start) => start + SIZE + grace <= st).sort((a, b) => a - b);
    for (const start of closing) {
      const m = open.get(start)!;
      open.delete(start);
      tally.windows += m.size;
      if (all) continue;
      for (const user of [...m.keys()].sort()) yield [user, start, m.get(user)!] as [string, number, number];
    }
  };
  for (const e of events) {
    if (e.ts > st) {
      st = e.ts;
      yield* close(false);
    }
    const start = e.ts - (e.ts % SIZE);
    if (start + SIZE + grace <= st) {
      tally.dropped++;
      continue;
    }
    let m = open.get(start);
    if (!m) open.set(start, (m = new Map()));
    m.set(e.userId, (m.get(e.userId) ?? 0) + 1);
  }
  // Windows still open at the end are not emitted in final mode; counted among all windows.
  st = Infinity;
  yield* close(true);
}

/** The pipeline's results in one partition of counts-out, read a chunk at a time. */
async function* results(engine: { readRecords(t: string, p: number, o: number, maxBytes: number): Promise<{ records: Array<{ offset: number; key: Buffer | null; value: Buffer | null }> }> }, partition: number): AsyncGenerator<[string, number, number]> {
  for (let offset = 0; ; ) {
    const { records } = await engine.readRecords('counts-out', partition, offset, 1 << 20);
    if (records.length === 0) return;
    for (const r of records) {
      const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
      yield [k.key, k.window.start, Number(r.value!.toString())];
    }
    offset = records[records.length - 1]!.offset + 1;
  }
}

/** An order-independent fingerprint of a set of results: their number and two sums of their hashes. */
class Fingerprint {
  n = 0;
  a = 0;
  b = 0;
  add(user: string, start: number, count: number): void {
    const text = `${user}@${start}=${count}`;
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < text.length; i++) {
      h1 = Math.imul(h1 ^ text.charCodeAt(i), 16777619);
      h2 = Math.imul(h2 + text.charCodeAt(i), 0x5bd1e995) ^ (h2 >>> 15);
    }
    this.n++;
    this.a = (this.a + (h1 >>> 0)) % 2 ** 48;
    this.b = (this.b + (h2 >>> 0)) % 2 ** 48;
  }
  equals(o: Fingerprint): boolean {
    return this.n === o.n && this.a === o.a && this.b === o.b;
  }
}

/**
 * Checks a run against the reference's loop, run per partition (each task has its own stream
 * time), streamed: neither side is held in memory. One partition: the same windows with the same
 * counts in the same order (final results come by window start, then key). Several: a task's
 * results are spread over the output topic's partitions by their windowed key, so the two sets
 * are compared by fingerprint. Dropped counts must be equal too.
 */
async function check(engine: Parameters<typeof results>[0], grace: number, dropped: number, partitions: number): Promise<{ compared: number; all: number }> {
  const tally = { dropped: 0, windows: 0 };
  let compared = 0;
  const want = new Fingerprint();
  const have = new Fingerprint();
  for (let p = 0; p < partitions; p++) {
    const events = (function* () {
      for (const e of activityEventStream(N)) if (partitions === 1 || defaultPartition(e.userId, partitions) === p) yield e;
    })();
    if (partitions > 1) {
      for (const [user, start, count] of expectedWindows(events, grace, tally)) want.add(user, start, count);
      for await (const [user, start, count] of results(engine, p)) have.add(user, start, count);
      continue;
    }
    const got = results(engine, p);
    for (const w of expectedWindows(events, grace, tally)) {
      const next = await got.next();
      const r = next.done ? undefined : next.value;
      if (!r || r[0] !== w[0] || r[1] !== w[1] || r[2] !== w[2]) throw new Error(`P2 mismatch at result ${compared}: pipeline ${JSON.stringify(r)}, reference loop ${JSON.stringify(w)}`);
      compared++;
    }
    const extra = await got.next();
    if (!extra.done) throw new Error(`P2: the pipeline emitted more windows than the reference loop closed (${JSON.stringify(extra.value)})`);
  }
  if (partitions > 1) {
    if (!want.equals(have)) throw new Error(`P2: the pipeline's ${have.n} results differ from the reference loop's ${want.n} closed windows`);
    compared = want.n;
  }
  if (dropped !== tally.dropped) throw new Error(`P2: pipeline dropped ${dropped}, reference loop ${tally.dropped}`);
  // Windows closed and still open at the end: the figure the reference (limits.mjs) counts.
  return { compared, all: tally.windows };
}

/**
 * One run through the worker, checked against the reference loop when `checked`. With `threads`,
 * the topic has that many partitions (keyed by user, murmur2) and the app runs in that many task
 * threads (threadedApp). The events are produced as they are generated, never held.
 */
async function pipeline(grace: number, opts: { store?: StoreBackendOptions; n?: number; threads?: number; checked?: boolean } = {}): Promise<{ seconds: number; startMs: number; dropped: number; windows?: { compared: number; all: number } }> {
  const { store, n = N, threads = 0 } = opts;
  const partitions = Math.max(1, threads);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p2-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('events', { partitions });
  const producer = client.producer();
  let batch = [];
  for (const e of activityEventStream(n)) {
    batch.push({ key: e.userId, value: JSON.stringify(e), timestamp: e.ts });
    if (batch.length === 1000) {
      await producer.send('events', batch);
      batch = [];
    }
  }
  if (batch.length) await producer.send('events', batch);
  const a = threads ? threadedApp({ module: new URL('./apps/p2-app.ts', import.meta.url), threads, log: client, data: { grace } }) : p2App(client, grace, store);
  // Timed from the end of start(): for task threads, start() includes loading the modules in
  // each thread (reported apart as start-ms), as a process start would.
  const ts = performance.now();
  await a.start();
  const t0 = performance.now();
  const startMs = t0 - ts;
  const { engine } = await client.deps();
  await waitForCommitted(client, 'p2.events-0', n);
  const seconds = (performance.now() - t0) / 1000;
  const dropped = 'metricTotal' in a ? await a.metricTotal('sluice_late_records_total') : a.metrics.total('sluice_late_records_total');
  try {
    const windows = opts.checked ? await check(engine, grace, dropped, partitions) : undefined;
    return { seconds, startMs, dropped, windows };
  } finally {
    await a.stop();
    if (threads) await client.close(); // a threaded app leaves the log open
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rssPhase = (phase: string) => process.stderr.write(`P2 rss ${phase}: now ${Math.round(process.memoryUsage().rss / 1e6)} MB, peak ${Math.round(peakRssMb())} MB\n`);
await pipeline(1000); // warm-up
const first = await pipeline(1000, { checked: true });
const windows = first.windows!;
const seconds = [first.seconds];
for (let i = 0; i < 2; i++) seconds.push((await pipeline(1000)).seconds);
const secs = median(seconds);
rssPhase('after the single-thread runs');
report('P2', 'events', Math.round(N / secs), 'events/s');
report('P2', 'windows-checked', windows.compared, 'windows');
report('P2', 'windows', windows.all, 'windows');
report('P2', 'dropped', first.dropped, 'events');
const late = await pipeline(200, { checked: true });
report('P2-late', 'events', Math.round(N / late.seconds), 'events/s');
report('P2-late', 'dropped', late.dropped, 'events');
report('P2-late', 'windows', late.windows!.all, 'windows');
rssPhase('after P2-late');
report('P2', 'peak-rss-single-thread', Math.round(peakRssMb()), 'MB');
let threadSecs = 0;
// P2-threads: the same over 2 partitions, the app in 2 task threads, checked per partition.
{
  await pipeline(1000, { threads: THREADS }); // warm-up
  const firstT = await pipeline(1000, { threads: THREADS, checked: true });
  const tsecs = [firstT.seconds];
  const starts = [firstT.startMs];
  for (let i = 0; i < 2; i++) {
    const r = await pipeline(1000, { threads: THREADS });
    tsecs.push(r.seconds);
    starts.push(r.startMs);
  }
  threadSecs = median(tsecs);
  report('P2-threads', 'events', Math.round(N / threadSecs), 'events/s');
  report('P2-threads', 'start', Math.round(median(starts)), 'ms');
}
rssPhase('after P2-threads');
report('P2', 'peak-rss', Math.round(peakRssMb()), 'MB');
// Our own plain loop, an extra diagnostic (the reference is limits.mjs): warm-up + 3 runs. Run
// after peak-rss is taken: its 1 M texts and 787 k-entry Map are no part of the workload.
let loopSecs: number;
{
  const texts = Array.from(activityEventStream(N), (e) => JSON.stringify(e));
  plainLoop(texts, 1000);
  loopSecs = median(
    [0, 1, 2].map(() => {
      const t = performance.now();
      plainLoop(texts, 1000);
      return (performance.now() - t) / 1000;
    }),
  );
}
report('P2', 'plain-loop', Math.round(N / loopSecs), 'events/s');
report('P2', 'ratio-to-plain-loop', loopSecs / secs, 'x');
report('P2-threads', 'ratio-to-plain-loop', loopSecs / threadSecs, 'x');

// P2-redis: the same pipeline with the windows in Redis (store: { backend: 'redis' }) on the
// first 200 000 events (one run: it is bounded by Redis round trips, not by the pipeline).
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
try {
  await redis.connect();
  const prefix = `sluice-bench-p2:${process.pid}:`;
  const nRedis = Math.min(N, 200_000);
  const res = await pipeline(1000, { store: { backend: 'redis', redis, prefix }, n: nRedis });
  await deleteKeysWithPrefix(redis, prefix);
  report('P2-redis', 'events', Math.round(nRedis / res.seconds), 'events/s');
} catch (err) {
  console.error(`P2-redis skipped: no Redis (${(err as Error).message})`);
} finally {
  redis.disconnect();
}

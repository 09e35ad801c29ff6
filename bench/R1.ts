/**
 * R1 — restore: a state store rebuilt from its changelog on the embedded log. 1 000 000 changelog
 * records (keys `user-00000` … `user-09999` as the key-value store writes them, JSON text; values
 * 100-byte JSON objects) in one partition on disk; a task's state manager reads the partition
 * with the group-less reader and restores it into an in-memory key-value store, as a worker does
 * before a task's first batch. Figure: changelog records restored per second (issue 17 asks for
 * at least 1 000 000/s), the CPU time per million records (steadier than the rate when the machine
 * is shared), and the store's size as a check.
 *
 * R1-window: the same for a window store (1-minute windows kept a day), 1 000 000 changelog records
 * of 10 000 keys' windows (`[<key text>, <start>]` keys, 8-byte timestamp + 100-byte JSON values,
 * the stream time every 1000 records), restored into a memory window store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import type { ProducerRecord } from '../core/client/types.js';
import { errorPolicySchema } from '../core/worker/error-policy.js';
import { silentLogger } from '../core/worker/logger.js';
import { MetricsRegistry } from '../core/worker/metrics.js';
import { Task } from '../core/worker/task.js';
import { changelogTopic } from '../processors/stores/changelog.js';
import { MemoryKeyValueStore } from '../processors/stores/memory-kv.js';
import { MemoryWindowStore } from '../processors/stores/memory-window.js';
import { STREAM_TIME_KEY, windowChangelogKey, withTimestamp } from '../processors/stores/window-codec.js';
import { cpuMs, measure, median, mulberry32, padJson, peakRssMb, report } from './lib.js';

const N = 1_000_000;
const BATCH = 1000;
const APP = 'r1';
const T0 = 1_700_000_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-r1-'));
const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });

/** Writes N changelog records of `store` (made by `record(i, user)`), BATCH per append. */
async function writeChangelog(store: string, record: (i: number, user: string) => ProducerRecord): Promise<void> {
  const topic = changelogTopic(APP, store);
  await client.admin().createTopic(topic, { partitions: 1, config: { 'cleanup.policy': 'compact' } });
  const rnd = mulberry32(42);
  const producer = client.producer();
  for (let i = 0; i < N; i += BATCH) {
    const b: ProducerRecord[] = [];
    for (let j = i; j < i + BATCH; j++) b.push(record(j, `user-${String(Math.floor(rnd() * 10000)).padStart(5, '0')}`));
    await producer.send(topic, b);
  }
}

/** Restores a fresh task's store (made by `open`) from its changelog, warm-up + 3 runs; reports the rate and CPU time; returns `size` of the last (counted untimed). */
async function restoreFigure(id: string, open: (task: Task) => { size(): number }): Promise<number> {
  let store: { size(): number } | undefined;
  // CPU time per run (user + system, all threads): far steadier than wall time on a shared machine.
  const cpu: number[] = [];
  const res = await measure(N, async () => {
    const cpu0 = process.cpuUsage();
    // A fresh task each run: its store registers with the task's state manager, which restores it.
    const task = new Task({ name: 'p', inputs: ['x'], build: () => (s) => s }, 0, {
      appId: APP,
      client,
      producer: client.producer(),
      internalProducer: client.producer({ owner: APP }),
      logger: silentLogger,
      metrics: new MetricsRegistry(),
      policy: errorPolicySchema.parse({}),
      signal: new AbortController().signal,
    });
    store = open(task);
    await task.restore();
    cpu.push(cpuMs(cpu0) / 1000);
  });
  report(id, 'restore-records', Math.round(res.rate), 'records/s');
  // The warm-up run is the first: the median of the timed ones.
  report(id, 'restore-cpu', (median(cpu.slice(1)) * 1_000_000) / N, 'CPU s per million records');
  return store!.size();
}

try {
  await writeChangelog('totals', (j, user) => ({ key: JSON.stringify(user), value: padJson({ user, total: j }), partition: 0 }));
  const keys = await restoreFigure('R1', (task) => {
    const s = MemoryKeyValueStore.create<string, unknown>(task, 'totals');
    return { size: () => s.size };
  });
  if (keys !== 10_000) throw new Error(`restored ${keys} keys, expected 10000`);

  // One record per ms: 17 one-minute windows, each key's windows updated about 6 times each.
  const windows = new Set<string>();
  await writeChangelog('counts', (j, user) => {
    const ts = T0 + j;
    if (j % BATCH === BATCH - 1) return { key: STREAM_TIME_KEY, value: String(ts), partition: 0 }; // the stream time, logged at a flush
    const key = windowChangelogKey(JSON.stringify(user), ts - (ts % 60_000));
    windows.add(key);
    return { key, value: withTimestamp(ts, padJson({ user, count: j })), partition: 0 };
  });
  const restored = await restoreFigure('R1-window', (task) => {
    const s = new MemoryWindowStore<string, unknown>(task, 'counts', {}, { size: 60_000, retentionMs: 86_400_000 });
    return { size: () => [...s.fetchAll(0, Infinity)].length };
  });
  if (restored !== windows.size) throw new Error(`restored ${restored} windows, expected ${windows.size}`);
  report('R1', 'peak-rss', Math.round(peakRssMb()), 'MB');
} finally {
  await client.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

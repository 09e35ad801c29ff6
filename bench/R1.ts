/**
 * R1 — restore: a state store rebuilt from its changelog on the embedded log. 1 000 000 changelog
 * records (keys `user-00000` … `user-09999` as the key-value store writes them, JSON text; values
 * 100-byte JSON objects) in one partition on disk; a task's state manager reads the partition
 * with the group-less reader and restores it into an in-memory key-value store, as a worker does
 * before a task's first batch. Figure: changelog records restored per second (issue 17 asks for
 * at least 1 000 000/s), the CPU time per million records (steadier than the rate when the machine
 * is shared), and the store's size as a check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import { errorPolicySchema } from '../core/worker/error-policy.js';
import { silentLogger } from '../core/worker/logger.js';
import { MetricsRegistry } from '../core/worker/metrics.js';
import { Task } from '../core/worker/task.js';
import { changelogTopic } from '../processors/stores/changelog.js';
import { MemoryKeyValueStore } from '../processors/stores/memory-kv.js';
import { cpuMs, measure, median, mulberry32, padJson, peakRssMb, report } from './lib.js';

const N = 1_000_000;
const BATCH = 1000;
const APP = 'r1';
const STORE = 'totals';
const topic = changelogTopic(APP, STORE);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-r1-'));
const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
try {
  await client.admin().createTopic(topic, { partitions: 1, config: { 'cleanup.policy': 'compact' } });
  const rnd = mulberry32(42);
  const producer = client.producer();
  for (let i = 0; i < N; i += BATCH) {
    const b = [];
    for (let j = i; j < i + BATCH; j++) {
      const user = `user-${String(Math.floor(rnd() * 10000)).padStart(5, '0')}`;
      b.push({ key: JSON.stringify(user), value: padJson({ user, total: j }), partition: 0 });
    }
    await producer.send(topic, b);
  }

  let size = 0;
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
    const store = MemoryKeyValueStore.create<string, unknown>(task, STORE);
    await task.restore();
    size = store.size;
    cpu.push(cpuMs(cpu0) / 1000);
  });
  if (size !== 10_000) throw new Error(`restored ${size} keys, expected 10000`);
  report('R1', 'restore-records', Math.round(res.rate), 'records/s');
  // The warm-up run is the first: the median of the timed ones.
  report('R1', 'restore-cpu', (median(cpu.slice(1)) * 1_000_000) / N, 'CPU s per million records');
  report('R1', 'peak-rss', Math.round(peakRssMb()), 'MB');
} finally {
  await client.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * L1 — log append: 1 000 000 records (key + 100-byte random value) appended to one partition in
 * batches of 1 000, durable (fdatasync before each append resolves) and relaxed (no fsync).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLog } from '../core/log/engine.js';
import type { AppendRecord } from '../core/log/types.js';
import { measure, median, peakRssMb, randomValues, report, userKeys } from './lib.js';

const N = 1_000_000;
const BATCH = 1000;
const keys = userKeys(N);
const values = randomValues(N);
const batches: AppendRecord[][] = [];
for (let i = 0; i < N; i += BATCH) {
  const b: AppendRecord[] = [];
  for (let j = i; j < i + BATCH; j++) b.push({ key: keys[j]!, value: values[j]!, timestamp: 1_700_000_000_000 + j });
  batches.push(b);
}

// The timed part is the appends, as the reference's is its writes: opening the log and creating
// the topic (a few fsyncs of metadata) happen before it, and closing after it. Closing a relaxed
// log fdatasyncs what the page cache still holds (a clean shutdown leaves nothing unwritten), a
// one-off cost of shutting down that the reference, which only closes its descriptor, never pays;
// it is reported on its own line.
for (const variant of ['relaxed', 'durable'] as const) {
  let dir = '';
  let bytes = 0;
  let log: Awaited<ReturnType<typeof openLog>> | undefined;
  const closeMs: number[] = [];
  const res = await measure(
    N,
    async () => {
      for (const b of batches) await log!.append('l1', 0, b);
    },
    async () => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-l1-'));
      log = await openLog({ dataDir: dir, flush: variant === 'durable' ? 'always' : 'never', maintenanceIntervalMs: 0 });
      await log.createTopic('l1', { partitions: 1 });
    },
    3,
    async () => {
      bytes = log!.describeTopic('l1').partitions[0]!.sizeBytes;
      const t0 = performance.now();
      await log!.close();
      closeMs.push(performance.now() - t0);
    },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  report('L1', `${variant}-records`, Math.round(res.rate), 'records/s');
  report('L1', `${variant}-throughput`, (res.rate * (bytes / N)) / 1e6, 'MB/s');
  report('L1', `${variant}-close`, Math.round(median(closeMs.slice(1))), 'ms');
}
report('L1', 'peak-rss', Math.round(peakRssMb()), 'MB');

/** L3 — keyed produce: 1 000 000 keyed records over 12 partitions with the default (murmur2) partitioner, batches of 1 000, relaxed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import type { ProducerRecord } from '../core/client/types.js';
import { measure, peakRssMb, randomValues, report, userKeys } from './lib.js';

const N = 1_000_000;
const BATCH = 1000;
const keys = userKeys(N);
const values = randomValues(N);
const batches: ProducerRecord[][] = [];
for (let i = 0; i < N; i += BATCH) {
  const b: ProducerRecord[] = [];
  for (let j = i; j < i + BATCH; j++) b.push({ key: keys[j]!, value: values[j]!, timestamp: 1_700_000_000_000 + j });
  batches.push(b);
}
let dir = '';
const res = await measure(
  N,
  async () => {
    const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
    await client.admin().createTopic('l3', { partitions: 12 });
    const producer = client.producer();
    for (const b of batches) await producer.send('l3', b);
    await client.close();
  },
  () => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-l3-'));
  },
);
fs.rmSync(dir, { recursive: true, force: true });
report('L3', 'keyed-produce', Math.round(res.rate), 'records/s');
report('L3', 'peak-rss', Math.round(peakRssMb()), 'MB');

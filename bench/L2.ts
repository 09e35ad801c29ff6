/** L2 — log read: L1's records read back from offset 0 in batches, decoded to records. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLog } from '../core/log/engine.js';
import { measure, mulberry32, peakRssMb, report } from './lib.js';

const N = 1_000_000;
const BATCH = 1000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-l2-'));
{
  // The same records as L1 (same seeds), generated batch by batch so that the input data set is
  // not held in memory: peak RSS then measures the read path.
  const keyRnd = mulberry32(42);
  const valueRnd = mulberry32(4242);
  const log = await openLog({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await log.createTopic('l2', { partitions: 1 });
  for (let i = 0; i < N; i += BATCH) {
    const b = [];
    for (let j = i; j < i + BATCH; j++) {
      const key = `user-${String(Math.floor(keyRnd() * 10000)).padStart(5, '0')}`;
      const value = Buffer.allocUnsafe(100);
      for (let k = 0; k < 100; k++) value[k] = (valueRnd() * 256) | 0;
      b.push({ key, value, timestamp: 1_700_000_000_000 + j });
    }
    await log.append('l2', 0, b);
  }
  await log.close();
}
const rssBefore = peakRssMb();
const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
let checksum = 0;
const res = await measure(N, async () => {
  let next = 0;
  let count = 0;
  while (next < N) {
    const { records } = await log.readRecords('l2', 0, next, 1 << 20);
    for (let i = 0; i < records.length; i++) checksum += records[i]!.value!.length;
    count += records.length;
    next = records[records.length - 1]!.offset + 1;
  }
  if (count !== N) throw new Error(`read ${count} records, expected ${N}`);
});
await log.close();
fs.rmSync(dir, { recursive: true, force: true });
report('L2', 'read-records', Math.round(res.rate), 'records/s');
report('L2', 'peak-rss', Math.round(peakRssMb()), 'MB');
report('L2', 'peak-rss-before-read', Math.round(rssBefore), 'MB');
if (checksum === 0) throw new Error('nothing read');

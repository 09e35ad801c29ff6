/**
 * P3 — windowed join: 500 000 orders and 500 000 payments keyed by order id, joined within 10 s,
 * through the real worker on the embedded log (both topics one partition, co-partitioned).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import { app } from '../core/worker/app.js';
import { silentLogger } from '../core/worker/logger.js';
import { join, string, to } from '../processors/index.js';
import { median, mulberry32, peakRssMb, report } from './lib.js';

const N = Number(process.env.P3_N ?? 500_000);

async function once(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p3-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('orders', { partitions: 1 });
  await client.admin().createTopic('payments', { partitions: 1 });
  const p = client.producer();
  const rnd = mulberry32(42);
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < N; i += 1000) {
    const orders = [];
    const payments = [];
    for (let j = i; j < i + 1000; j++) {
      const ts = t0 + j;
      orders.push({ key: `order-${j}`, value: JSON.stringify({ id: j, amount: Math.round(rnd() * 10000) / 100 }), timestamp: ts });
      payments.push({ key: `order-${j}`, value: JSON.stringify({ order: j, paid: true }), timestamp: ts + Math.floor(rnd() * 5000) });
    }
    await p.send('orders', orders);
    await p.send('payments', payments);
  }
  const a = app({ id: 'p3', log: client, logger: silentLogger, batch: { maxRecords: 20_000, maxWaitMs: 20 } });
  a.stream<string, { id: number; amount: number }>('orders', { key: string() }).pipe(
    join({ topic: 'payments', key: string() }, (o: { id: number; amount: number }, pay: { paid: boolean }) => ({ id: o.id, amount: o.amount, paid: pay.paid }), { within: '10s', name: 'orders-payments' }),
    to('paid-orders', { key: string() }),
  );
  const start = performance.now();
  await a.start();
  const { engine } = await client.deps();
  for (;;) {
    const g = await client.admin().describeGroup('p3.orders-0');
    if (g.offsets.reduce((s, o) => s + o.committed, 0) >= 2 * N) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const secs = (performance.now() - start) / 1000;
  const joined = engine.describeTopic('paid-orders').partitions[0]!.highWatermark;
  await a.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (joined !== N) throw new Error(`P3: expected ${N} joined records, got ${joined}`);
  return secs;
}

await once();
const secs = median([await once(), await once(), await once()]);
report('P3', 'records', Math.round((2 * N) / secs), 'records/s');
report('P3', 'peak-rss', Math.round(peakRssMb()), 'MB');

/**
 * P1 — stateless pipeline: 1 000 000 JSON records (100-byte values) through filter → map →
 * to(topic) on the embedded log (relaxed flush), offsets committed per batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filter, map } from 'rxjs';
import { embedded } from '../core/client/embedded/client.js';
import { app } from '../core/worker/app.js';
import { silentLogger } from '../core/worker/logger.js';
import { measure, padJson, peakRssMb, report, userKeys } from './lib.js';

const N = 1_000_000;
let dir = '';
let produced = 0;

async function prepare(): Promise<void> {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p1-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('in', { partitions: 1 });
  const p = client.producer();
  // Generated batch by batch: holding the whole input would make every GC of the run slower.
  const keys = userKeys(N);
  for (let i = 0; i < N; i += 1000) {
    await p.send(
      'in',
      Array.from({ length: 1000 }, (_, j) => {
        const n = i + j;
        return { key: keys[n]!, value: padJson({ user: keys[n], n, event: n % 4 === 0 ? 'click' : 'view' }), timestamp: 1_700_000_000_000 + n };
      }),
    );
  }
  await client.close();
}

async function run(): Promise<void> {
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  const a = app({ id: 'p1', log: client, logger: silentLogger, batch: { maxRecords: 10_000, maxWaitMs: 20 } });
  const marker = Buffer.from('"event":"click"');
  a.addPipeline({
    name: 'clicks',
    inputs: ['in'],
    outputs: ['out'],
    build: (ctx) => (src) =>
      src.pipe(
        filter((r) => r.value !== null && r.value.indexOf(marker) >= 0),
        map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: { via: 'p1' } })),
        map((r) => ctx.send('out', [r])),
      ),
  });
  await a.start();
  const { engine } = await client.deps();
  for (;;) {
    const g = await client.admin().describeGroup('p1.clicks');
    if ((g.offsets[0]?.committed ?? 0) >= N) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  produced = engine.describeTopic('out').partitions[0]!.highWatermark;
  await a.stop();
}

const res = await measure(N, run, prepare);
fs.rmSync(dir, { recursive: true, force: true });
if (produced !== N / 4) throw new Error(`expected ${N / 4} outputs, got ${produced}`);
report('P1', 'records', Math.round(res.rate), 'records/s');
report('P1', 'peak-rss', Math.round(peakRssMb()), 'MB');

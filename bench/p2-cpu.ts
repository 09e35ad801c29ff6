/**
 * Diagnostic (not a workload): the P2 pipeline alone, CPU seconds of this process per million
 * events while it runs, the wall rate and peak RSS. Usage: node --max-semi-space-size=128 --import tsx
 * bench/p2-cpu.ts <grace> [runs] (P2_PROF=file.cpuprofile: a profile of the last run's pipeline). For A/B runs and profiles of issue 21 item 2.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import { p2App } from './apps/p2-app.js';
import { activityEventStream, peakRssMb, startCpuProfile, waitForCommitted } from './lib.js';

const N = Number(process.env.P2_N ?? 1_000_000);
const grace = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 2);

let profiling = false;

async function once(): Promise<{ cpu: number; wall: number; dropped: number; changelog: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-p2cpu-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('events', { partitions: 1 });
  const producer = client.producer();
  let batch = [];
  for (const e of activityEventStream(N)) {
    batch.push({ key: e.userId, value: JSON.stringify(e), timestamp: e.ts });
    if (batch.length === 1000) {
      await producer.send('events', batch);
      batch = [];
    }
  }
  if (batch.length) await producer.send('events', batch);
  const a = p2App(client, grace);
  await a.start();
  const stopProfile = await startCpuProfile(profiling ? process.env.P2_PROF : undefined);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await waitForCommitted(client, 'p2.events-0', N);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  await stopProfile();
  const dropped = a.metrics.total('sluice_late_records_total');
  const { engine } = await client.deps();
  let changelog = 0;
  for (let offset = 0; ; ) {
    const { records } = await engine.readRecords('p2-counts-changelog', 0, offset, 1 << 20).catch(() => ({ records: [] as Array<{ offset: number }> }));
    if (records.length === 0) break;
    changelog += records.length;
    offset = records[records.length - 1]!.offset + 1;
  }
  await a.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return { cpu: (c.user + c.system) / 1e6, wall, dropped, changelog };
}

await once(); // warm-up
for (let i = 0; i < runs; i++) {
  profiling = i === runs - 1 && !!process.env.P2_PROF; // P2_PROF=file: a CPU profile of the last run's pipeline
  const r = await once();
  console.log(`grace ${grace}: cpu ${(r.cpu / (N / 1e6)).toFixed(2)} s/M, ${(N / r.wall / 1e6).toFixed(3)} M events/s, dropped ${r.dropped}, changelog ${r.changelog}, peak RSS ${Math.round(peakRssMb())} MB, load ${os.loadavg()[0]!.toFixed(1)}`);
}

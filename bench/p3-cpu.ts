/**
 * Diagnostic (not a workload): P3's one-thread pipeline alone, CPU seconds of this process per
 * million records while it runs, the wall rate, peak RSS, and a digest of the joined output (keys,
 * values, timestamps in offset order) so two trees can be checked to give the same records.
 * Usage: node --max-semi-space-size=128 --import tsx bench/p3-cpu.ts [runs]
 * (P3_PROF=file.cpuprofile: a profile of the last run's pipeline). For A/B runs of issue 21 item 3.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../core/client/embedded/client.js';
import { p3App } from './apps/p3-app.js';
import { p3Inputs } from './apps/p3-inputs.js';
import { peakRssMb, startCpuProfile, waitForCommitted } from './lib.js';

const N = Number(process.env.P3_N ?? 500_000);
const runs = Number(process.argv[2] ?? 2);
let profiling = false;

async function once(): Promise<{ cpu: number; wall: number; joined: number; digest: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-p3cpu-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('orders', { partitions: 1 });
  await client.admin().createTopic('payments', { partitions: 1 });
  const p = client.producer();
  for (const { orders, payments } of p3Inputs(N)) {
    await p.send('orders', orders);
    await p.send('payments', payments);
  }
  const a = p3App(client);
  await a.start();
  const stopProfile = await startCpuProfile(profiling ? process.env.P3_PROF : undefined);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await waitForCommitted(client, 'p3.orders-0', 2 * N);
  const wall = (performance.now() - w0) / 1000;
  const c = process.cpuUsage(c0);
  await stopProfile();
  const { engine } = await client.deps();
  const hash = crypto.createHash('sha256');
  let joined = 0;
  for (let offset = 0; ; ) {
    const { records } = await engine.readRecords('paid-orders', 0, offset, 1 << 20);
    if (records.length === 0) break;
    for (const r of records) hash.update(`${r.key?.toString()}|${r.value?.toString()}|${r.timestamp}\n`);
    joined += records.length;
    offset = records[records.length - 1]!.offset + 1;
  }
  await a.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return { cpu: (c.user + c.system) / 1e6, wall, joined, digest: hash.digest('hex').slice(0, 12) };
}

await once(); // warm-up
for (let i = 0; i < runs; i++) {
  profiling = i === runs - 1 && !!process.env.P3_PROF;
  const r = await once();
  console.log(`cpu ${(r.cpu / ((2 * N) / 1e6)).toFixed(2)} s/M, ${((2 * N) / r.wall / 1e6).toFixed(3)} M records/s, joined ${r.joined} (${r.digest}), peak RSS ${Math.round(peakRssMb())} MB, load ${os.loadavg()[0]!.toFixed(1)}`);
}

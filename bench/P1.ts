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
import { prepareP1, runP1 } from './apps/p1-app.js';
import { measure, median, padJson, peakRssMb, report } from './lib.js';

const N = 1_000_000;
let dir = '';
let produced = 0;
/** Per run: seconds and CPU seconds of the steady state (from the app's start to the last commit). */
const steady: Array<{ seconds: number; cpuSeconds: number }> = [];
// The input is generated once and each run gets a copy of it (fs.cpSync, no JS objects): generating
// a million records in this process just before a run left its heap and allocator to the timed
// part, which then took 0.77-1.2 CPU s per million against 0.61-0.71 on a copy (bench/p1-cpu.ts,
// alternated; BENCHMARKS.md, issue 21 fifth pass on P1).
const input = await prepareP1(N);

async function prepare(): Promise<void> {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = `${input}-run${steady.length}`;
  fs.cpSync(input, dir, { recursive: true });
}

async function run(): Promise<void> {
  const r = await runP1(dir, N);
  produced = r.produced;
  steady.push(r);
}

const res = await measure(N, run, prepare);
fs.rmSync(dir, { recursive: true, force: true });
fs.rmSync(input, { recursive: true, force: true });
if (produced !== N / 4) throw new Error(`expected ${N / 4} outputs, got ${produced}`);
// The figure compared with the reference is the pipeline's steady state, as the reference times
// only its write loop: opening the log (which checks its active segment's CRCs), joining the
// group and stopping are a start-up cost, reported with them included as records-with-start.
const timed = steady.slice(1);
report('P1', 'records', Math.round(N / median(timed.map((r) => r.seconds))), 'records/s');
report('P1', 'cpu-per-million', median(timed.map((r) => r.cpuSeconds / (N / 1e6))), 's');
report('P1', 'records-with-start', Math.round(res.rate), 'records/s');
report('P1', 'peak-rss', Math.round(peakRssMb()), 'MB');

/**
 * Replay of 10 000 000 records through the same pipeline: memory must stay flat however far
 * behind the pipeline is (one batch per task in flight). RSS is sampled as the commits advance.
 */
async function replay(total: number): Promise<number[]> {
  const rdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p1-replay-'));
  const client = embedded({ dataDir: rdir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('in', { partitions: 1 });
  const p = client.producer();
  const value = Buffer.from(padJson({ user: 'user-00000', n: 0, event: 'click' }));
  for (let i = 0; i < total; i += 10_000) await p.send('in', Array.from({ length: 10_000 }, (_, j) => ({ key: `user-${(i + j) % 10_000}`, value, timestamp: 1_700_000_000_000 + i + j })));
  const a = app({ id: 'p1r', log: client, logger: silentLogger, batch: { maxRecords: 10_000, maxWaitMs: 20 } });
  a.addPipeline({ name: 'replay', inputs: ['in'], outputs: ['out'], build: (ctx) => (src) => src.pipe(filter((r) => r.offset % 10 === 0), map((r) => ctx.send('out', [{ key: r.key, value: r.value }]))) });
  global.gc?.();
  await a.start();
  const samples: number[] = [];
  let nextSample = total / 10;
  for (;;) {
    const committed = (await client.admin().describeGroup('p1r.replay')).offsets[0]?.committed ?? 0;
    while (committed >= nextSample) {
      samples.push(Math.round(process.memoryUsage().rss / 2 ** 20));
      nextSample += total / 10;
    }
    if (committed >= total) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await a.stop();
  fs.rmSync(rdir, { recursive: true, force: true });
  return samples;
}

if (process.env.P1_REPLAY !== '0') {
  const samples = await replay(10_000_000);
  report('P1', 'replay-10M-rss-at-10pct', samples[0]!, 'MB');
  report('P1', 'replay-10M-rss-at-50pct', samples[4]!, 'MB');
  report('P1', 'replay-10M-rss-at-100pct', samples[samples.length - 1]!, 'MB');
}

/**
 * E1 — end to end: file source (1 000 000 JSONL lines) → filter → map → file sink, offsets
 * committed per batch; records/s, and latency from source read to sink write (p50/p99), read from
 * the record timestamp (the append time of the source's record) at the moment the sink wrote it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filter, map } from 'rxjs';
import { FileSink, fileSinkConfig } from '../connectors/file/sink.js';
import { FileSource, fileSourceConfig } from '../connectors/file/source.js';
import { embedded } from '../core/client/embedded/client.js';
import { app } from '../core/worker/app.js';
import type { SinkRecord } from '../core/worker/contracts.js';
import { silentLogger } from '../core/worker/logger.js';
import { median, padJson, peakRssMb, percentile, report, userKeys } from './lib.js';

const N = 1_000_000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-e1-'));
const input = path.join(root, 'in');
fs.mkdirSync(input);
{
  const keys = userKeys(N);
  const fd = fs.openSync(path.join(input, 'events.jsonl'), 'w');
  for (let i = 0; i < N; i += 10_000) {
    let chunk = '';
    for (let j = i; j < i + 10_000; j++) chunk += padJson({ user: keys[j], n: j, event: j % 2 ? 'click' : 'view' }) + '\n';
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

class MeasuringSink extends FileSink {
  latencies: number[] = [];
  written = 0;
  override async write(records: SinkRecord[]): Promise<void> {
    await super.write(records);
    const now = Date.now();
    for (let i = 0; i < records.length; i += 10) this.latencies.push(now - records[i]!.timestamp);
    this.written += records.length;
  }
}

async function once(): Promise<{ seconds: number; cpuSeconds: number; latencies: number[] }> {
  const work = fs.mkdtempSync(path.join(root, 'run-'));
  const client = embedded({ dataDir: path.join(work, 'data'), flush: 'always', maintenanceIntervalMs: 0 });
  const a = app({ id: 'e1', log: client, logger: silentLogger, batch: { maxRecords: 10_000, maxWaitMs: 20 } });
  const sink = new MeasuringSink(fileSinkConfig.parse({ dir: path.join(work, 'out') }));
  a.addSource('in', new FileSource(fileSourceConfig.parse({ path: `${input}/*.jsonl`, format: 'jsonl', maxRecords: 10_000, pollIntervalMs: 20 })), { topic: 'raw' });
  const marker = Buffer.from('"event":"click"');
  a.addPipeline({
    name: 'clicks',
    inputs: ['raw'],
    outputs: ['clicks'],
    build: (ctx) => (src) =>
      src.pipe(
        filter((r) => r.value!.indexOf(marker) >= 0),
        map((r) => ctx.send('clicks', [{ key: r.key, value: r.value, timestamp: r.timestamp }])),
      ),
  });
  a.addSink('out', sink, { topics: ['clicks'] });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await a.start();
  while (sink.written < N / 2) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await a.stop();
  fs.rmSync(work, { recursive: true, force: true });
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, latencies: sink.latencies };
}

await once(); // warm-up
const { Session } = await import('node:inspector/promises');
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const runs = [await once(), await once(), await once()];
const { profile } = await session.post('Profiler.stop');
fs.writeFileSync(process.env.PROF_OUT ?? '/tmp/h-e1-e1.cpuprofile', JSON.stringify(profile));
const secs = median(runs.map((r) => r.seconds));
const mid = runs.find((r) => r.seconds === secs)!;
const lat = [...mid.latencies].sort((a, b) => a - b);
fs.rmSync(root, { recursive: true, force: true });
report('E1', 'records', Math.round(N / secs), 'records/s');
// CPU seconds (all threads: fdatasyncs run on the thread pool) per million input lines: steadier than records/s under load.
report('E1', 'cpu-per-million', median(runs.map((r) => r.cpuSeconds / (N / 1e6))), 's');
report('E1', 'latency-p50', percentile(lat, 50), 'ms');
report('E1', 'latency-p99', percentile(lat, 99), 'ms');
report('E1', 'peak-rss', Math.round(peakRssMb()), 'MB');

/**
 * sluice demo: the activity-monitoring example on the embedded log, needing nothing but Node.
 * A generator writes user actions (docs/benchmarks.md's event shape, timestamps at wall-clock pace with
 * ±500 ms jitter) into `user-actions`; the app counts actions per user in 5 s tumbling windows with
 * 1 s grace; this command prints the busiest users of each window as it closes, and the
 * throughput. Ctrl-C stops it cleanly (the app finishes its batch and commits).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../../core/client/embedded/client.js';
import { silentLogger } from '../../core/worker/logger.js';
import { threadedApp } from '../../core/worker/threads/threaded-app.js';
import { activityMonitor, INPUT, OUTPUT } from '../../examples/activity-monitor/activity-monitor.js';
import { parseCommand, toInt } from '../options.js';

export const usage = 'demo [--rate EVENTS_PER_S] [--duration S] [--threads N] [--data-dir DIR]   (activity monitor on the embedded log)';

const ACTIONS = ['hover', 'move', 'idle', 'click'] as const;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(args, { rate: { type: 'string' }, duration: { type: 'string' }, threads: { type: 'string' } });
  const rate = toInt('rate', values.rate, 50_000);
  // --threads N: the app in N task threads (threadedApp), the generator and printer in this one.
  const threads = toInt('threads', values.threads, 0);
  const duration = values.duration === undefined ? Infinity : toInt('duration', values.duration) * 1000;
  const explicitDir = args.includes('--data-dir');
  const dir = explicitDir ? path.resolve(values['data-dir']!) : fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-demo-'));
  const client = embedded({ dataDir: dir, flush: { intervalMs: 200 }, maintenanceIntervalMs: 0 });
  const admin = client.admin();
  await admin.createTopic(INPUT, { partitions: 2 });
  await admin.createTopic(OUTPUT, { partitions: 2 });
  const threaded = threads > 0 ? threadedApp({ module: new URL('../../examples/activity-monitor/activity-monitor.ts', import.meta.url), export: 'threaded', threads, log: client }) : null;
  const single = threaded ? null : activityMonitor(client, { logger: silentLogger });
  const monitor = threaded ?? single!;
  const metric = async (name: string) => (threaded ? threaded.metricTotal(name) : single!.metrics.total(name));
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write('\nstopping: finishing the batch in flight and committing…\n');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`activity monitor on the embedded log in ${dir}${threads ? ` (app in ${threads} task threads)` : ''}\n${rate.toLocaleString()} user actions/s → 5 s tumbling windows (1 s grace), counts per user; Ctrl-C to stop\n\n`);
  await monitor.start();

  // Generator: wall-clock paced, ±500 ms jitter, about 1 in 10 events out of order.
  const producer = client.producer();
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  let produced = 0;
  const started = Date.now();
  const generator = (async () => {
    while (!stopping && Date.now() - started < duration) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate) - produced;
      if (due <= 0) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const n = Math.min(due, 5000);
      const batch = [];
      for (let i = 0; i < n; i++) {
        const userId = `user-${String(Math.floor(rnd() * 10000)).padStart(5, '0')}`;
        const ts = Date.now() + Math.round((rnd() - 0.5) * 1000);
        batch.push({ key: userId, value: JSON.stringify({ userId, action: ACTIONS[Math.floor(rnd() * 4)], ts }), timestamp: ts });
      }
      await producer.send(INPUT, batch);
      produced += n;
    }
  })();

  // Reader of the results: prints the busiest users of each closed window.
  const reader = client.consumer({ groupId: 'activity-monitor-demo-printer', topics: [OUTPUT] });
  const windows = new Map<number, Array<[string, number]>>();
  let lastReport = Date.now();
  let reportedCounted = 0;
  while (!stopping && Date.now() - started < duration + 7000) {
    for (const b of await reader.poll({ maxWaitMs: 250 })) {
      for (const r of b.records) {
        const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
        const list = windows.get(k.window.start) ?? [];
        list.push([k.key, Number(r.value!.toString())]);
        windows.set(k.window.start, list);
      }
      await reader.commit([{ topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1]!.offset + 1 }]);
    }
    const now = Date.now();
    for (const [start, list] of [...windows].sort((a, b) => a[0] - b[0])) {
      // Both partitions' results of a window arrive in the same commit round; print when quiet.
      if (now - start < 7500) continue;
      windows.delete(start);
      const top = list.sort((a, b) => b[1] - a[1]).slice(0, 5);
      const total = list.reduce((s, [, n]) => s + n, 0);
      process.stdout.write(
        `window ${new Date(start).toISOString().slice(11, 19)}–${new Date(start + 5000).toISOString().slice(11, 19)}  ${list.length} users, ${total} actions; busiest: ${top.map(([u, n]) => `${u} ${n}`).join(', ')}\n`,
      );
    }
    if (now - lastReport >= 5000) {
      const counted = await metric('sluice_records_in_total');
      process.stdout.write(`  throughput: ${Math.round(((counted - reportedCounted) * 1000) / (now - lastReport)).toLocaleString()} records/s through the app, ${produced.toLocaleString()} actions generated, late dropped: ${await metric('sluice_late_records_total')}\n`);
      reportedCounted = counted;
      lastReport = now;
    }
  }
  stopping = true;
  await generator;
  await reader.close();
  await monitor.stop();
  if (threaded) await client.close(); // a threaded app leaves the log open
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (!explicitDir) fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write('stopped cleanly\n');
  return 0;
}

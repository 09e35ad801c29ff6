/**
 * sluice demo: the activity-monitoring example on the embedded log, needing nothing but Node.
 * A generator writes user actions (docs/benchmarks.md's event shape, timestamps at wall-clock pace with
 * ±500 ms jitter) into `user-actions`; the app counts actions per user in 5 s tumbling windows with
 * 1 s grace; this command prints the busiest users of each window as it closes, and the
 * throughput. Ctrl-C stops it cleanly (the app finishes its batch and commits).
 *
 * It runs for as long as one likes without filling the disk: every topic keeps the last
 * --retention-ms of records (at most RETENTION_BYTES per partition), and the temporary data
 * directory is removed on every way out — Ctrl-C, a second Ctrl-C, SIGTERM, SIGHUP, an error —
 * and, for a demo killed with SIGKILL, by the next demo.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EmbeddedClient } from '../../core/client/embedded/client.js';
import type { TopicConfig } from '../../core/log/types.js';
import { command } from '../args.js';
import { integer } from '../values.js';
import { httpOptions, startHttp, type HttpValues } from '../http-options.js';

const ACTIONS = ['hover', 'move', 'idle', 'click'] as const;
const TEMP_PREFIX = 'sluice-demo-';
/** Per partition, whatever --retention-ms says. */
const RETENTION_BYTES = 32 * 1024 * 1024;

export const demo = command({
  name: 'demo',
  summary: 'the activity monitor on a temporary embedded log: counts per user in 5 s windows',
  options: {
    rate: { arg: 'EVENTS_PER_S', parse: integer(1), default: '50000', help: 'user actions generated per second' },
    duration: { arg: 'S', parse: integer(1), help: 'stop after S seconds (default: at Ctrl-C)' },
    threads: { arg: 'N', parse: integer(0, 256), default: '0', help: 'run the app in N task threads (threadedApp); 0: in this thread' },
    'retention-ms': { arg: 'MS', parse: integer(1000), default: '60000', help: 'every topic keeps the last MS of records (and at most 32 MiB per partition)' },
    'data-dir': { arg: 'DIR', help: 'keep the log in DIR instead of a temporary directory (removed on every way out)' },
    ...httpOptions,
  },
  description: 'Needs nothing but Node. Prints the busiest users of each window as it closes, and the throughput. With --ui, watch it in the web console.',
  examples: ['sluice demo', 'sluice demo --ui      # and the console at http://127.0.0.1:8080/'],
  run: (v) => runDemo(v),
});

async function runDemo(values: { rate: number; duration?: number; threads: number; 'retention-ms': number; 'data-dir'?: string } & HttpValues): Promise<number> {
  // Loaded here, not at the top: every other command would otherwise load the DSL too.
  const { embedded } = await import('../../core/client/embedded/client.js');
  const rate = values.rate;
  // --threads N: the app in N task threads (threadedApp), the generator and printer in this one.
  const threads = values.threads;
  const duration = values.duration === undefined ? Infinity : values.duration * 1000;
  const retentionMs = values['retention-ms'];
  const explicitDir = values['data-dir'] !== undefined;
  if (!explicitDir) removeAbandonedDemoDirs();
  const dir = explicitDir ? path.resolve(values['data-dir']!) : fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  const removeDir = () => {
    if (!explicitDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  // A way out that skips the finally below (a second Ctrl-C exits at once) still removes it.
  process.once('exit', removeDir);
  const state = { stopping: false };
  const stop = () => {
    if (state.stopping) process.exit(130);
    state.stopping = true;
    process.stdout.write('\nstopping: finishing the batch in flight and committing…\n');
  };
  // Handled until the directory is gone: a signal's default action would skip the removal.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, stop);
  const client = embedded({ dataDir: dir, flush: { intervalMs: 200 }, maintenanceIntervalMs: 1000, topicDefaults: boundedTopics(retentionMs) });
  try {
    return await runMonitor(client, dir, state, { rate, threads, duration, retentionMs, http: values });
  } finally {
    await client.close().catch(() => {});
    removeDir();
    process.off('exit', removeDir);
    for (const sig of signals) process.off(sig, stop);
  }
}

/**
 * The demo's topic defaults (for every topic it creates: input, output, repartition, changelogs,
 * offsets): small segments rolled often, so retention by time and size, and compaction (which
 * keeps the tombstones of closed windows only as long), act on closed segments.
 */
function boundedTopics(retentionMs: number): Partial<TopicConfig> {
  return {
    'retention.ms': retentionMs,
    'retention.bytes': RETENTION_BYTES,
    'segment.bytes': 4 * 1024 * 1024,
    'segment.ms': Math.max(250, Math.floor(retentionMs / 4)),
    'delete.retention.ms': retentionMs,
  };
}

/** Temporary directories of demos killed with SIGKILL: their lock names a process that is gone. */
function removeAbandonedDemoDirs(): void {
  const tmp = os.tmpdir();
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(tmp, name);
    let pid: number;
    try {
      pid = Number(fs.readFileSync(path.join(dir, '.lock'), 'utf8'));
    } catch {
      continue; // no lock: a demo just starting, or not a demo's
    }
    if (pid > 0 && !processExists(pid)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runMonitor(client: EmbeddedClient, dir: string, state: { stopping: boolean }, o: { rate: number; threads: number; duration: number; retentionMs: number; http: HttpValues }): Promise<number> {
  const [{ silentLogger }, { threadedApp }, { activityMonitor, INPUT, OUTPUT }] = await Promise.all([
    import('../../core/worker/logger.js'),
    import('../../core/worker/threads/threaded-app.js'),
    import('../../examples/activity-monitor/activity-monitor.js'),
  ]);
  const admin = client.admin();
  await admin.createTopic(INPUT, { partitions: 2 });
  await admin.createTopic(OUTPUT, { partitions: 2 });
  const threaded = o.threads > 0 ? threadedApp({ module: new URL('../../examples/activity-monitor/activity-monitor.ts', import.meta.url), export: 'threaded', threads: o.threads, log: client }) : null;
  const single = threaded ? null : activityMonitor(client, { logger: silentLogger });
  const monitor = threaded ?? single!;
  const metric = async (name: string) => (threaded ? threaded.metricTotal(name) : single!.metrics.total(name));
  process.stdout.write(
    `activity monitor on the embedded log in ${dir}${o.threads ? ` (app in ${o.threads} task threads)` : ''}\n` +
      `${o.rate.toLocaleString()} user actions/s → 5 s tumbling windows (1 s grace), counts per user; topics keep the last ${o.retentionMs / 1000} s; Ctrl-C to stop\n\n`,
  );
  await monitor.start();
  let api: Awaited<ReturnType<typeof startHttp>>;
  try {
    api = await startHttp(o.http, client, single ?? undefined);
    await generateAndPrint(client, metric, state, o.rate, o.duration, INPUT, OUTPUT);
  } finally {
    await api?.close();
    await monitor.stop();
  }
  process.stdout.write('stopped cleanly\n');
  return 0;
}

/** Writes user actions at `rate` and prints the busiest users of each closed window, until stopped or `duration` is over. */
async function generateAndPrint(client: EmbeddedClient, metric: (name: string) => Promise<number>, state: { stopping: boolean }, rate: number, duration: number, INPUT: string, OUTPUT: string): Promise<void> {
  // Generator: wall-clock paced, ±500 ms jitter, about 1 in 10 events out of order.
  const producer = client.producer();
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  let produced = 0;
  const started = Date.now();
  const generator = (async () => {
    while (!state.stopping && Date.now() - started < duration) {
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
  try {
    const windows = new Map<number, Array<[string, number]>>();
    let lastReport = Date.now();
    let reportedCounted = 0;
    while (!state.stopping && Date.now() - started < duration + 7000) {
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
  } finally {
    state.stopping = true;
    await generator;
    await reader.close();
  }
}

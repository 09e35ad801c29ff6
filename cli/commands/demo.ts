/**
 * sluice demo: a produce-and-consume run on the embedded log, needing nothing but Node. It writes
 * keyed activity events (the shape of benchmarks.md) to a 4-partition topic in a temporary data
 * directory, reads them back with two consumers of one group, and prints throughput and the
 * busiest users. Ctrl-C stops it cleanly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embedded } from '../../core/client/embedded/client.js';
import type { FetchedBatch, LogConsumer } from '../../core/client/types.js';
import { parseCommand, toInt } from '../options.js';

export const usage = 'demo [--events N] [--data-dir DIR]   (produce and consume on the embedded log)';

const ACTIONS = ['hover', 'move', 'idle', 'click'];

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(args, { events: { type: 'string' } });
  const total = toInt('events', values.events, 200_000);
  const explicitDir = args.includes('--data-dir');
  const dir = explicitDir ? path.resolve(values['data-dir']!) : fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-demo-'));
  const client = embedded({ dataDir: dir, flush: { intervalMs: 200 }, maintenanceIntervalMs: 0 });
  let stop = false;
  const onSignal = () => {
    stop = true;
    process.stderr.write('\nstopping…\n');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const topic = 'user-actions';
    await client.admin().createTopic(topic, { partitions: 4 });
    process.stdout.write(`embedded log in ${dir}\nproducing ${total} events to "${topic}" (4 partitions)…\n`);
    const producer = client.producer();
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const t0 = Date.now();
    for (let sent = 0; sent < total && !stop; ) {
      const n = Math.min(1000, total - sent);
      const batch = [];
      for (let i = 0; i < n; i++) {
        const userId = `user-${String(Math.floor(rnd() * 1000)).padStart(5, '0')}`;
        const ts = t0 + sent + i;
        batch.push({ key: userId, value: JSON.stringify({ userId, action: ACTIONS[Math.floor(rnd() * 4)], ts }), timestamp: ts });
      }
      await producer.send(topic, batch);
      sent += n;
    }
    const produceSecs = (Date.now() - t0) / 1000;
    process.stdout.write(`produced in ${produceSecs.toFixed(2)} s (${Math.round(total / produceSecs).toLocaleString()} records/s)\n`);

    const clicks = new Map<string, number>();
    let consumed = 0;
    const mk = (name: string): LogConsumer =>
      client.consumer({
        groupId: 'demo',
        topics: [topic],
        clientId: name,
        listener: { onAssigned: (tps) => void process.stdout.write(`${name} owns partitions ${tps.map((t) => t.partition).join(', ')}\n`) },
      });
    const consumers = [mk('consumer-a'), mk('consumer-b')];
    const t1 = Date.now();
    const loop = async (c: LogConsumer) => {
      while (!stop && consumed < total) {
        const batches: FetchedBatch[] = await c.poll({ maxWaitMs: 200 });
        for (const b of batches) {
          for (const r of b.records) {
            const e = JSON.parse(r.value!.toString()) as { userId: string; action: string };
            if (e.action === 'click') clicks.set(e.userId, (clicks.get(e.userId) ?? 0) + 1);
          }
          consumed += b.records.length;
          await c.commit([{ topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1]!.offset + 1 }]);
        }
      }
    };
    await Promise.all(consumers.map(loop));
    const secs = (Date.now() - t1) / 1000;
    process.stdout.write(`consumed ${consumed} in ${secs.toFixed(2)} s (${Math.round(consumed / secs).toLocaleString()} records/s), offsets committed\n`);
    const top = [...clicks].sort((a, b) => b[1] - a[1]).slice(0, 5);
    process.stdout.write(`busiest clickers: ${top.map(([u, n]) => `${u} (${n})`).join(', ')}\n`);
    await Promise.all(consumers.map((c) => c.close()));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close();
    if (!explicitDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

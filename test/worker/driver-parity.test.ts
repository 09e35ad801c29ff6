/**
 * One task runtime: the TestDriver runs the worker's Task, so the same pipeline gives the same
 * outputs, the same dead letters (headers, attempts, bytes) and the same changelog in the driver
 * as in a running App — including a plain RxJS operator that throws, which fails the whole batch
 * and is re-run record by record under the error policy (before, the driver rejected pipeInput).
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/worker/logger.js';
import { count, mapValues, string, TestDriver, to, type Rec } from '../../processors/index.js';
import { app } from '../../processors/streams-app.js';
import type { AppLike } from '../../processors/builder.js';
import { streamOf } from '../../processors/builder.js';
import { readTopic, testLog } from '../support/log.js';

type Reading = { sensor: string; n: number };

function pipeline(a: AppLike): void {
  const readings = streamOf<string, Reading>(a, 'readings', { key: string() }).pipe(
    // A plain RxJS operator: its error fails the batch, not one record.
    map((r: Rec<string, Reading>) => {
      if (r.value.n === 13) throw new Error(`unlucky reading ${r.value.n}`);
      return r;
    }),
    // A Sluice operator: its error goes to the error policy record by record.
    mapValues((v) => {
      if (v.n < 0) throw new RangeError(`negative reading ${v.n}`);
      return v;
    }),
  );
  readings.pipe(to('checked', { key: string() }));
  readings.pipe(count({ name: 'per-sensor' }), to('counts', { key: string() }));
}

const input: Array<{ key: string; value: Reading; timestamp: number }> = [
  { key: 's1', value: { sensor: 's1', n: 1 }, timestamp: 1000 },
  { key: 's2', value: { sensor: 's2', n: 13 }, timestamp: 1001 },
  { key: 's1', value: { sensor: 's1', n: -4 }, timestamp: 1002 },
  { key: 's2', value: { sensor: 's2', n: 7 }, timestamp: 1003 },
  { key: 's1', value: { sensor: 's1', n: 2 }, timestamp: 1004 },
];

const errors = { retries: 2, backoffMs: 1 };

interface Seen {
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Record<string, string>;
}

const seen = (r: { key: Buffer | null; value: Buffer | null; timestamp: number; headers: Record<string, Buffer> }): Seen => ({
  key: r.key?.toString() ?? null,
  value: r.value?.toString() ?? null,
  timestamp: r.timestamp,
  // The stack differs between two runs of the same code; everything else must not.
  headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'sluice.error.stack').map(([k, v]) => [k, v.toString()])),
});

describe('TestDriver and the worker run one task runtime', () => {
  it('give the same outputs, dead letters and changelog for the same pipeline, a throwing RxJS operator included', async () => {
    const topics = ['checked', 'counts', 'parity.dlq', 'parity-per-sensor-changelog'];

    const driver = new TestDriver(pipeline, { appId: 'parity', errors });
    // One batch, as the worker's single poll below.
    await driver.pipeInput('readings', input, { key: string() });
    const driverRaw = (t: string) => (driver as unknown as { topics: Map<string, Array<{ key: Buffer | null; value: Buffer | null; timestamp: number; headers: Record<string, Buffer> }>> }).topics.get(t) ?? [];
    await driver.close();

    const log = await testLog();
    await log.client.admin().createTopic('readings', { partitions: 1 });
    await log.client.producer().send('readings', input.map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: r.timestamp })));
    const a = app({ id: 'parity', log: log.client, logger: silentLogger, errors });
    pipeline(a);
    await a.start();
    await a.idle(200);
    const worker = new Map<string, Seen[]>();
    for (const t of topics) worker.set(t, (await readTopic(log.engine, t)).map(seen));
    await a.stop();

    // Records produced without a timestamp (changelog entries) get the clock's time: the driver's, or the wall clock.
    const timeless = (t: string, r: Seen) => (t.endsWith('-changelog') ? { ...r, timestamp: 0 } : r);
    for (const t of topics) expect(driverRaw(t).map((r) => timeless(t, seen(r))), t).toEqual(worker.get(t)!.map((r) => timeless(t, r)));
    // What the rules say, not only that both agree.
    const dlq = driverRaw('parity.dlq').map(seen);
    expect(dlq.map((r) => [r.key, r.headers['sluice.error'], r.headers['sluice.attempts']])).toEqual([
      ['s2', 'unlucky reading 13', '3'],
      ['s1', 'negative reading -4', '3'],
    ]);
    expect(driverRaw('counts').map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([
      ['s1', '1'],
      ['s2', '1'],
      ['s1', '2'],
    ]);
  });
});

import http from 'node:http';
import { filter, map, mergeMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { LogClient } from '../../core/client/types.js';
import { app } from '../../processors/streams-app.js';
import { CopartitioningError, PipelineFailedError } from '../../core/worker/errors.js';
import { silentLogger } from '../../core/worker/logger.js';
import type { LogEngine } from '../../core/log/types.js';
import { count, groupByKey, mapValues, string, to, tumbling, windowed } from '../../processors/index.js';
import { readTopic, testLog } from '../support/log.js';

const engineOf = new Map<LogClient, LogEngine>();
async function newLog(): Promise<LogClient> {
  const log = await testLog();
  engineOf.set(log.client, log.engine);
  connectOf.set(log.client, log.connect);
  return log.client;
}
const connectOf = new Map<LogClient, () => LogClient>();
const readAll = (client: LogClient, topic: string) => readTopic(engineOf.get(client)!, topic);

async function seed(client: LogClient, topic: string, partitions: number, n: number, value = (i: number) => JSON.stringify({ i })) {
  await client.admin().createTopic(topic, { partitions });
  await client.producer().send(topic, Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: value(i) })));
}

describe('App pipelines', () => {
  it('runs plain RxJS operators, produces durably, and commits only what it produced', async () => {
    const client = await newLog();
    await seed(client, 'in', 3, 3000);
    const a = app({ id: 'p1', log: client, logger: silentLogger, batch: { maxRecords: 500 } });
    a.addPipeline({
      name: 'double',
      inputs: ['in'],
      outputs: ['out'],
      build: (ctx) => (src) =>
        src.pipe(
          map((r) => JSON.parse(r.value!.toString()) as { i: number }),
          filter((v) => v.i % 3 === 0),
          mergeMap(async (v) => ({ j: v.i * 2 })),
          map((v) => ctx.send('out', [{ key: String(v.j), value: JSON.stringify(v) }])),
        ),
    });
    await a.start();
    await a.idle(200);
    const engine = engineOf.get(client)!;
    const out = await readAll(client, 'out');
    expect(out.map((r) => JSON.parse(r.value!.toString()).j).sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: 1000 }, (_, k) => k * 6));
    const group = await client.admin().describeGroup('p1.double');
    expect(group.offsets.reduce((s, o) => s + o.committed, 0)).toBe(3000);
    expect(engine.hasTopic('p1.dlq')).toBe(true);
    await a.stop();
  });

  it('dead-letters a poison record with its headers while the partition flows on', async () => {
    const client = await newLog();
    await seed(client, 'in', 1, 100, (i) => (i === 42 ? 'not json' : JSON.stringify({ i })));
    const a = app({ id: 'dl', log: client, logger: silentLogger, errors: { retries: 2, backoffMs: 1 } });
    let attempts = 0;
    a.addPipeline({
      name: 'parse',
      inputs: ['in'],
      outputs: ['out'],
      build: (ctx) => (src) =>
        src.pipe(
          map((r) => {
            if (r.offset === 42) attempts++;
            return ctx.send('out', [{ value: JSON.stringify(JSON.parse(r.value!.toString())) }]);
          }),
        ),
    });
    await a.start();
    await a.idle(200);
    const out = await readAll(client, 'out');
    expect(out).toHaveLength(99);
    const dlq = await readAll(client, 'dl.dlq');
    expect(dlq).toHaveLength(1);
    const h = Object.fromEntries(Object.entries(dlq[0]!.headers).map(([k, v]) => [k, v.toString()]));
    expect(h['sluice.error']).toMatch(/JSON/);
    expect(h['sluice.error.stack']).toMatch(/at /);
    expect(h).toMatchObject({ 'sluice.source.topic': 'in', 'sluice.source.partition': '0', 'sluice.source.offset': '42', 'sluice.attempts': '3' });
    expect(dlq[0]!.value!.toString()).toBe('not json');
    // the batch run (which names the record that failed it: its first attempt) and two retries
    expect(attempts).toBe(3);
    expect(a.metrics.total('sluice_dlq_records_total')).toBe(1);
    await a.stop();
  });

  it('dead-letters a record that fails in a DSL operator with the key and value bytes it was read with', async () => {
    const client = await newLog();
    await seed(client, 'in', 2, 200, (i) => JSON.stringify({ i, bad: i % 50 === 7 }));
    const a = app({ id: 'dsl-dl', log: client, logger: silentLogger, batch: { maxRecords: 64 }, errors: { retries: 1, backoffMs: 1 } });
    a.stream<string, { i: number; bad: boolean }>('in', { key: string() }).pipe(
      mapValues((v: { i: number; bad: boolean }) => {
        if (v.bad) throw new Error(`bad record ${v.i}`);
        return v.i;
      }),
      to('out'),
    );
    await a.start();
    await a.idle(200);
    expect(await readAll(client, 'out')).toHaveLength(196);
    const dlq = await readAll(client, 'dsl-dl.dlq');
    const got = dlq.map((r) => ({ key: r.key!.toString(), value: r.value!.toString(), error: r.headers['sluice.error']!.toString() })).sort((x, y) => x.key.localeCompare(y.key));
    expect(got).toEqual(
      [7, 57, 107, 157].map((i) => ({ key: `k${i}`, value: JSON.stringify({ i, bad: true }), error: `bad record ${i}` })).sort((x, y) => x.key.localeCompare(y.key)),
    );
    await a.stop();
  });

  it("makes a batch's changelog durable only after its outputs: a lost output write loses no window on replay", async () => {
    const client = await newLog();
    await client.admin().createTopic('ev', { partitions: 1 });
    await client.producer().send('ev', Array.from({ length: 1000 }, (_, i) => ({ key: 'u', value: JSON.stringify({ i }), timestamp: i * 10 })));
    const build = (log: LogClient) => {
      const a = app({ id: 'state-after-out', log, logger: silentLogger, batch: { maxRecords: 1000 } });
      a.stream<string, { i: number }>('ev', { key: string() }).pipe(groupByKey(), windowed(tumbling(1000)), count({ emit: 'final', name: 'per-second' }), to('wins'));
      return a;
    };
    // The first worker's write of its results fails (as if it died before they were durable).
    let lost = false;
    const failing: LogClient = {
      kind: client.kind,
      connect: () => client.connect(),
      admin: () => client.admin(),
      consumer: (opts) => client.consumer(opts),
      reader: (opts) => client.reader(opts),
      close: async () => {}, // the log stays open for the second worker
      claimInternalTopics: (owner, topics) => client.claimInternalTopics(owner, topics),
      producer: (opts) => {
        const p = client.producer(opts);
        return {
          send: (topic, records, opts) => {
            if (topic === 'wins' && !lost) {
              lost = true;
              return Promise.reject(new Error('results lost'));
            }
            return p.send(topic, records, opts);
          },
          close: () => p.close(),
        };
      },
    };
    const first = build(failing);
    await first.start();
    await expect(first.done).rejects.toThrow();
    expect(lost).toBe(true);
    // The second worker restores the state and replays the batch: every closed window is emitted.
    const second = build(client);
    await second.start();
    await second.idle(200);
    const wins = (await readAll(client, 'wins')).map((r) => [(JSON.parse(r.key!.toString()) as { window: { start: number } }).window.start, Number(r.value!.toString())]);
    expect(new Map(wins as Array<[number, number]>)).toEqual(new Map(Array.from({ length: 9 }, (_, w) => [w * 1000, 100])));
    await second.stop();
  });

  it("stops the app with the error under onFailure 'fail', committing nothing of the failed batch", async () => {
    const client = await newLog();
    await seed(client, 'in', 1, 10);
    const a = app({ id: 'ff', log: client, logger: silentLogger, errors: { retries: 1, backoffMs: 1, onFailure: 'fail' } });
    a.addPipeline({ name: 'boom', inputs: ['in'], build: () => (src) => src.pipe(map((r) => { if (r.offset === 5) throw new Error('boom'); return r; })) });
    await a.start();
    await expect(a.done).rejects.toBeInstanceOf(PipelineFailedError);
  });

  it('refuses inputs that are not co-partitioned, naming both topics', async () => {
    const client = await newLog();
    await client.admin().createTopic('left', { partitions: 2 });
    await client.admin().createTopic('right', { partitions: 3 });
    const a = app({ id: 'cp', log: client, logger: silentLogger });
    a.addPipeline({ name: 'join', inputs: ['left', 'right'], build: () => (s) => s });
    await expect(a.start()).rejects.toThrow(CopartitioningError);
    await expect(a.start()).rejects.toThrow();
    await client.close();
  });

  it('merges co-partitioned inputs of a task in timestamp order', async () => {
    const client = await newLog();
    await client.admin().createTopic('a', { partitions: 1 });
    await client.admin().createTopic('b', { partitions: 1 });
    await client.producer().send('a', [1, 4, 5, 9].map((t) => ({ value: `a${t}`, timestamp: t })));
    await client.producer().send('b', [2, 3, 7, 8].map((t) => ({ value: `b${t}`, timestamp: t })));
    const seen: string[] = [];
    const x = app({ id: 'merge', log: client, logger: silentLogger });
    x.addPipeline({ name: 'm', inputs: ['a', 'b'], build: () => (s) => s.pipe(map((r) => seen.push(r.value!.toString()))) });
    await x.start();
    await x.idle(200);
    expect(seen).toEqual(['a1', 'b2', 'b3', 'a4', 'a5', 'b7', 'b8', 'a9']);
    await x.stop();
  });

  it('serves /metrics in Prometheus text and /health', async () => {
    const client = await newLog();
    await seed(client, 'in', 1, 50);
    const a = app({ id: 'mx', log: client, logger: silentLogger, metricsPort: 0 });
    a.addPipeline({ name: 'count', inputs: ['in'], outputs: ['out'], build: (ctx) => (s) => s.pipe(map((r) => ctx.send('out', [{ value: r.value }]))) });
    await a.start();
    await a.idle(200);
    const { port } = a.metricsAddress!;
    const get = (p: string) => new Promise<{ status: number; body: string }>((resolve, reject) => http.get({ host: '127.0.0.1', port, path: p }, (res) => { let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => resolve({ status: res.statusCode!, body })); }).on('error', reject));
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/sluice_records_in_total\{topic="in"\} 50/);
    expect(m.body).toMatch(/sluice_records_out_total\{topic="out"\} 50/);
    expect(m.body).toMatch(/sluice_batch_latency_seconds_bucket\{pipeline="count",le="\+Inf"\} \d+/);
    expect(m.body).toMatch(/sluice_consumer_lag\{partition="0",topic="in"\} 0/);
    expect(m.body).toMatch(/sluice_commits_total/);
    expect((await get('/health')).status).toBe(200);
    await a.stop();
  });

  it('moves tasks between two apps of one group and resumes from committed offsets', async () => {
    const client = await newLog();
    await seed(client, 'in', 4, 400);
    const outCounts = new Map<string, number>();
    const mk = () => {
      const c = connectOf.get(client)!();
      const a = app({ id: 'scale', log: c, logger: silentLogger, batch: { maxRecords: 50 } });
      a.addPipeline({ name: 'p', inputs: ['in'], outputs: ['out'], build: (ctx) => (s) => s.pipe(map((r) => ctx.send('out', [{ key: r.key, value: r.value }]))) });
      return a;
    };
    const a1 = mk();
    const a2 = mk();
    await a1.start();
    await a2.start();
    await a1.idle(300);
    await a1.stop();
    await client.producer().send('in', Array.from({ length: 400 }, (_, i) => ({ key: `m${i}`, value: `m${i}` })));
    await a2.idle(300);
    for (const r of await readAll(client, 'out')) outCounts.set(r.value!.toString(), (outCounts.get(r.value!.toString()) ?? 0) + 1);
    expect(outCounts.size).toBe(800);
    await a2.stop();
  });
});

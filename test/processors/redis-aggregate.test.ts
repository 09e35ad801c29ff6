/**
 * Keyed aggregations and tables whose state lives in Redis (`store: { backend: 'redis' }`),
 * through the real worker, against a real Redis on 127.0.0.1:6379 (a unique key prefix per test,
 * deleted afterwards): results equal an oracle's, Redis holds the table, a restart rebuilds
 * Redis from the changelog, a failing record goes to the dead-letter topic.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { app } from '../../processors/streams-app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { aggregate, count, groupByKey, session, sliding, string, TestDriver, to, toTable, tumbling, windowed, type Materialized, type Rec } from '../../processors/index.js';
import { defaultPartition } from '../../core/log/partitioner.js';
import { changelogTopic } from '../../processors/stores/changelog.js';
import { mulberry32 } from '../../bench/lib.js';
import { readTopic, testLog, type TestLog } from '../support/log.js';
import { deleteKeysWithPrefix as deleteRedisPrefix } from '../../processors/stores/redis-util.js';

const redis = new Redis('redis://127.0.0.1:6379');
const prefixes: string[] = [];

const deletePrefix = (prefix: string) => deleteRedisPrefix(redis, prefix);

/** Redis's contents under a store's prefix (`<prefix><partition>:<key JSON>`), as key JSON → value. */
async function redisTable(prefix: string): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const keys = await redis.keys(`${prefix}*`);
  const values = keys.length ? await redis.mget(...keys) : [];
  keys.forEach((k, i) => out.set(k.slice(prefix.length).replace(/^\d+:/, ''), JSON.parse(values[i]!)));
  return out;
}

function newPrefix(): string {
  const p = `aggtest-${randomUUID()}:`;
  prefixes.push(p);
  return p;
}

afterEach(async () => {
  for (const p of prefixes.splice(0)) {
    await deletePrefix(p);
    expect(await redis.keys(`${p}*`)).toEqual([]);
  }
});
afterAll(async () => {
  await redis.quit();
});

interface Ev {
  user: string;
  amount: number;
}

async function produce(log: TestLog, topic: string, records: Array<{ key: string; value: string | null }>, partitions = 2) {
  const c = log.connect();
  if (!(await c.admin().listTopics()).includes(topic)) await c.admin().createTopic(topic, { partitions });
  await c.producer().send(topic, records.map((r, i) => ({ ...r, timestamp: 1000 + i })));
  await c.close();
}

/** Records with their own timestamps, into a topic of two partitions (made if missing). */
async function produceAt(log: TestLog, topic: string, records: Array<{ key: string; value: string; timestamp: number }>) {
  const c = log.connect();
  if (!(await c.admin().listTopics()).includes(topic)) await c.admin().createTopic(topic, { partitions: 2 });
  await c.producer().send(topic, records);
  await c.close();
}

async function lastValues(log: TestLog, topic: string): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const r of await readTopic(log.engine, topic)) out.set(r.key!.toString(), r.value === null ? null : JSON.parse(r.value.toString()));
  return out;
}

describe('aggregations with a Redis store', () => {
  it('counts and sums per key in Redis as an oracle does, across batches, partitions and a restart that lost Redis', async () => {
    const log = await testLog();
    const prefix0 = newPrefix();
    const rnd = mulberry32(7);
    const events: Ev[] = Array.from({ length: 3000 }, () => ({ user: `u${Math.floor(rnd() * 40)}`, amount: Math.floor(rnd() * 100) }));
    const appId = `redis-agg-${randomUUID().slice(0, 6)}`;
    const start = () => {
      const a = app({ id: appId, log: log.connect(), logger: silentLogger, batch: { maxRecords: 250 } });
      const stream = a.stream<string, Ev>('ev', { key: string() });
      stream.pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), count({ name: 'n', store: { backend: 'redis', redis, prefix: `${prefix0}n:` } }), to('n-out'));
      stream.pipe(
        groupByKey((r: Rec<string, Ev>) => r.value.user),
        aggregate(() => ({ sum: 0 }), (acc: { sum: number }, v: Ev) => ({ sum: acc.sum + v.amount }), { name: 'sum', store: { backend: 'redis', redis, prefix: `${prefix0}sum:` } }),
        to('sum-out'),
      );
      return a;
    };
    await produce(log, 'ev', events.slice(0, 1800).map((e) => ({ key: e.user, value: JSON.stringify(e) })));
    let a = start();
    await a.start();
    await a.idle(300);
    await a.stop();
    // Redis lost everything meanwhile: the restart rebuilds it from the changelog.
    await deletePrefix(prefix0);
    await produce(log, 'ev', events.slice(1800).map((e) => ({ key: e.user, value: JSON.stringify(e) })));
    a = start();
    await a.start();
    await a.idle(300);
    await a.stop();

    const counts = new Map<string, number>();
    const sums = new Map<string, number>();
    for (const e of events) {
      counts.set(JSON.stringify(e.user), (counts.get(JSON.stringify(e.user)) ?? 0) + 1);
      sums.set(JSON.stringify(e.user), (sums.get(JSON.stringify(e.user)) ?? 0) + e.amount);
    }
    // Both partitions' tables are in Redis, each under its own partition's prefix.
    const partitions = new Set((await redis.keys(`${prefix0}n:*`)).map((k) => k.slice(`${prefix0}n:`.length).split(':')[0]));
    expect(partitions).toEqual(new Set(['0', '1']));
    expect(await redisTable(`${prefix0}n:`)).toEqual(counts);
    const sumsInRedis = new Map<string, unknown>();
    for (const [k, v] of await redisTable(`${prefix0}sum:`)) sumsInRedis.set(k, (v as { sum: number }).sum);
    expect(sumsInRedis).toEqual(sums);
    // The update stream: one record per input record, the last per key equal to the oracle.
    expect((await readTopic(log.engine, 'n-out')).length).toBe(events.length);
    expect(await lastValues(log, 'n-out')).toEqual(counts);
    // The changelog is the memory store's format: key JSON → value JSON.
    const changelog = new Map<string, unknown>();
    for (const r of await readTopic(log.engine, changelogTopic(appId, 'n'))) changelog.set(r.key!.toString(), JSON.parse(r.value!.toString()));
    expect(changelog).toEqual(counts);
  });

  it('materializes a table in Redis: the latest value per key, a null value deletes the key', async () => {
    const log = await testLog();
    const prefix = newPrefix();
    await produce(
      log,
      'profiles',
      [
        { key: 'ann', value: '{"city":"Oslo"}' },
        { key: 'bob', value: '{"city":"Rome"}' },
        { key: 'ann', value: '{"city":"Bergen"}' },
        { key: 'cy', value: '{"city":"Lima"}' },
        { key: 'bob', value: null },
      ],
      1,
    );
    const a = app({ id: `redis-table-${randomUUID().slice(0, 6)}`, log: log.connect(), logger: silentLogger });
    a.stream<string, { city: string } | null>('profiles', { key: string() }).pipe(toTable({ name: 'profiles', store: { backend: 'redis', redis, prefix } }), to('profiles-out', { key: string() }));
    await a.start();
    await a.idle(300);
    await a.stop();
    expect(await redisTable(prefix)).toEqual(new Map([['"ann"', { city: 'Bergen' }], ['"cy"', { city: 'Lima' }]]));
    expect((await readTopic(log.engine, 'profiles-out')).map((r) => [r.key!.toString(), r.value === null ? null : JSON.parse(r.value.toString())])).toEqual([
      ['ann', { city: 'Oslo' }],
      ['bob', { city: 'Rome' }],
      ['ann', { city: 'Bergen' }],
      ['cy', { city: 'Lima' }],
      ['bob', null],
    ]);
  });

  it('sends a record whose adder throws to the dead-letter topic and applies the others', async () => {
    const log = await testLog();
    const prefix = newPrefix();
    await produce(log, 'ev', [1, 2, -1, 3].map((amount) => ({ key: 'u', value: JSON.stringify({ user: 'u', amount }) })), 1);
    const id = `redis-dlq-${randomUUID().slice(0, 6)}`;
    const a = app({ id, log: log.connect(), logger: silentLogger, errors: { retries: 0 } });
    a.stream<string, Ev>('ev', { key: string() }).pipe(
      groupByKey(),
      aggregate(
        () => 0,
        (acc: number, v: Ev) => {
          if (v.amount < 0) throw new Error('negative amount');
          return acc + v.amount;
        },
        { name: 'total', store: { backend: 'redis', redis, prefix } },
      ),
      to('total-out'),
    );
    await a.start();
    await a.idle(300);
    await a.stop();
    expect(await redisTable(prefix)).toEqual(new Map([['"u"', 6]]));
    const dlq = await readTopic(log.engine, `${id}.dlq`);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers['sluice.error']!.toString()).toContain('negative amount');
  });

  it('keeps tumbling windows in Redis across a restart that lost Redis: each closed window once, with the oracle count', async () => {
    const log = await testLog();
    const prefix = newPrefix();
    const appId = `redis-win-${randomUUID().slice(0, 6)}`;
    interface Click {
      user: string;
      ts: number;
    }
    const rnd = mulberry32(11);
    const clicks: Click[] = Array.from({ length: 2000 }, (_, i) => ({ user: `u${Math.floor(rnd() * 9)}`, ts: 10_000 + i * 5 + Math.round((rnd() - 0.5) * 400) }));
    const start = () => {
      const a = app({ id: appId, log: log.connect(), logger: silentLogger, batch: { maxRecords: 150 } });
      // Keyed by user already: each partition's records reach its task in produce order, as the oracle reads them.
      a.stream<string, Click>('clicks', { key: string(), timestamp: (v) => v.ts }).pipe(
        groupByKey(),
        windowed(tumbling(1000, { grace: 300 })),
        count({ name: 'per-second', emit: 'final', store: { backend: 'redis', redis, prefix } }),
        to('per-second-out'),
      );
      return a;
    };
    const feed = (part: Click[]) => produceAt(log, 'clicks', part.map((c) => ({ key: c.user, value: JSON.stringify(c), timestamp: c.ts })));
    await feed(clicks.slice(0, 1100));
    let a = start();
    await a.start();
    await a.idle(300);
    await a.stop();
    expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    await deletePrefix(prefix);
    await feed(clicks.slice(1100));
    a = start();
    await a.start();
    await a.idle(300);
    await a.stop();

    // The oracle: stream time per partition is what decides lateness and closing, so it runs per partition.
    const expected = new Map<string, number>();
    let dropped = 0;
    for (const p of [0, 1]) {
      let streamTime = -1;
      const counts = new Map<string, number>();
      for (const c of clicks.filter((c) => defaultPartition(Buffer.from(c.user), 2) === p)) {
        streamTime = Math.max(streamTime, c.ts);
        const s = c.ts - (c.ts % 1000);
        if (s + 1000 + 300 <= streamTime) {
          dropped++;
          continue;
        }
        counts.set(`${c.user}@${s}`, (counts.get(`${c.user}@${s}`) ?? 0) + 1);
      }
      for (const [k, n] of counts) if (Number(k.split('@')[1]) + 1300 <= streamTime) expected.set(k, n);
    }
    const out = (await readTopic(log.engine, 'per-second-out')).map((r) => {
      const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
      return [`${k.key}@${k.window.start}`, JSON.parse(r.value!.toString()) as number] as const;
    });
    expect(out.length).toBe(expected.size);
    expect(new Map(out)).toEqual(expected);
    expect(dropped).toBeGreaterThan(0);
  });

  it("gives session and sliding aggregations in Redis the memory store's results, across batches", async () => {
    interface Click {
      user: string;
      ts: number;
    }
    const rnd = mulberry32(23);
    const clicks: Click[] = Array.from({ length: 600 }, (_, i) => ({ user: `u${Math.floor(rnd() * 5)}`, ts: 10_000 + i * 40 + Math.round((rnd() - 0.5) * 600) }));
    const run = async (store: Materialized | undefined) => {
      const d = new TestDriver((app) => {
        const s = app.stream<string, Click>('clicks', { key: string(), timestamp: (v) => v.ts });
        s.pipe(groupByKey(), windowed(session(300, { grace: 200 })), count({ name: 'sessions', store }), to('sessions-out'));
        s.pipe(groupByKey(), windowed(sliding(500, { grace: 200 })), count({ name: 'sliding', emit: 'final', store: store && { ...store, prefix: `${store.prefix}sl:` } }), to('sliding-out'));
      });
      for (let i = 0; i < clicks.length; i += 70) await d.pipeInput('clicks', clicks.slice(i, i + 70).map((c) => ({ key: c.user, value: c, timestamp: c.ts })));
      const out = { sessions: d.output('sessions-out').map((r) => [r.key, r.value]), sliding: d.output('sliding-out').map((r) => [r.key, r.value]), dropped: d.metrics.total('sluice_late_records_total') };
      await d.close();
      return out;
    };
    const inMemory = await run(undefined);
    const inRedis = await run({ backend: 'redis', redis, prefix: newPrefix() });
    expect(inMemory.sessions.length).toBeGreaterThan(100);
    expect(inMemory.sliding.length).toBeGreaterThan(100);
    expect(inMemory.dropped).toBeGreaterThan(0);
    expect(inRedis).toEqual(inMemory);
  });
});

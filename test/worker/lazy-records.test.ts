/**
 * Lazy records (core/log/record-batch.ts BatchRecord): the records the worker reads for DSL
 * pipelines make their key and value Buffers (and timestamp) only when read. These tests check
 * that they read as the eager records do, batch by batch and through whole DSL pipelines, and
 * that the dead-letter rules are those of eager decoding.
 */
import { filter, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ConsumerOptions, LogClient } from '../../core/client/types.js';
import { embedded, type EmbeddedClient } from '../../core/client/embedded/client.js';
import { BatchRecord, decodeRecordBatch, encodeRecordBatch, stampLogAppendTime } from '../../core/log/record-batch.js';
import type { AppendRecord, LogEngine, LogRecord } from '../../core/log/types.js';
import { silentLogger } from '../../core/worker/logger.js';
import { app } from '../../processors/streams-app.js';
import { count, groupByKey, join, json, leftJoinTable, mapValues, string, to, tumbling, windowed } from '../../processors/index.js';
import { onCleanup } from '../support/cleanup.js';

const fields = (r: LogRecord & { topic?: string; partition?: number }) => ({
  key: r.key === null ? null : Buffer.from(r.key).toString('hex'),
  value: r.value === null ? null : Buffer.from(r.value).toString('hex'),
  headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString('hex')])),
  timestamp: r.timestamp,
  offset: r.offset,
  topic: r.topic,
  partition: r.partition,
});

const sample: AppendRecord[] = [
  { key: 'k1', value: JSON.stringify({ a: 1 }), timestamp: 1_700_000_000_123 },
  { key: null, value: 'no key', timestamp: 1_700_000_000_100, headers: { h: 'x', e: '' } },
  { key: 'tomb', value: null, timestamp: 1_700_000_009_999 },
  { key: '', value: '', timestamp: 5 },
  { key: 'ünï', value: 'wide ✓ '.repeat(40), timestamp: 1_700_000_000_200 },
];

describe('lazy records', () => {
  for (const compression of ['none', 'gzip', 'lz4'] as const)
    it(`read as the eager ones, batch header fields included (${compression})`, () => {
      const batch = encodeRecordBatch(sample, { now: 0, baseOffset: 1000, compression });
      const opts = { topic: 't', partition: 3, fromOffset: 1001 };
      const eager = decodeRecordBatch(batch, 0, opts);
      const lazy = decodeRecordBatch(batch, 0, { ...opts, lazy: true });
      expect(lazy.every((r) => r instanceof BatchRecord)).toBe(true);
      expect(lazy.map(fields)).toEqual(eager.map(fields));
      expect(lazy).toHaveLength(4);
      // JSON.stringify goes through toJSON: the same text as the eager record's.
      expect(JSON.stringify(lazy)).toEqual(JSON.stringify(eager));
      // LogAppendTime: every record has the batch's max timestamp.
      stampLogAppendTime(batch, 0, 1_800_000_000_000);
      const stamped = decodeRecordBatch(batch, 0, { ...opts, lazy: true });
      expect(stamped.map((r) => r.timestamp)).toEqual([1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000]);
      expect(stamped.map(fields)).toEqual(decodeRecordBatch(batch, 0, opts).map(fields));
    });

  it('keep what is assigned to them', () => {
    const [r] = decodeRecordBatch(encodeRecordBatch(sample, { now: 0 }), 0, { lazy: true }) as Array<LogRecord & { topic?: string; partition?: number }>;
    r!.key = Buffer.from('new key');
    r!.value = null;
    r!.timestamp = 42;
    r!.offset = 7;
    r!.topic = 'other';
    r!.partition = 9;
    expect(fields(r!)).toEqual(fields({ key: Buffer.from('new key'), value: null, headers: {}, timestamp: 42, offset: 7, topic: 'other', partition: 9 }));
    // Assigned fields are own properties: a spread sees them.
    expect({ ...r! }.key?.toString()).toBe('new key');
    // The DSL's decoder reads an assigned key, not the batch's bytes.
    expect((r as BatchRecord).keyLength).toBe(-2);
  });

  it('point into a copy of a transient read, not into the shared read buffer', async () => {
    const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
    onCleanup(() => client.close());
    const { engine } = await (client as EmbeddedClient).deps();
    await client.admin().createTopic('t', { partitions: 1 });
    for (let b = 0; b < 4; b++) await client.producer().send('t', Array.from({ length: 50 }, (_, i) => ({ key: `k${b}-${i}`, value: `v${b}-${i}`.padEnd(200, '.') })));
    const first = (await engine.readRecords('t', 0, 0, 1 << 20, 50, { lazy: true })).records;
    // Later reads reuse the shared buffer the first one was read into.
    for (let off = 50; off < 200; off += 50) await engine.readRecords('t', 0, off, 1 << 20, 50, { lazy: true });
    expect(first[0]).toBeInstanceOf(BatchRecord);
    expect(first.map((r) => `${r.key}=${r.value!.toString().replace(/\.+$/, '')}@${r.offset}`)).toEqual(Array.from({ length: 50 }, (_, i) => `k0-${i}=v0-${i}@${i}`));
  });

  it('serdes read a range of bytes as they read a Buffer of it', () => {
    const bytes = Buffer.from('xx{"a":1,"b":"two"}yy"q"{"a":2,"b":"three"}zz');
    const j = json();
    expect(j.deserializeRange!(bytes, 2, 19)).toEqual(j.deserialize(bytes.subarray(2, 19)));
    // The fast path (the shape learnt) must stop at the range's end, not the buffer's.
    expect(j.deserializeRange!(bytes, 24, 43)).toEqual({ a: 2, b: 'three' });
    expect(j.deserializeRange!(bytes, 21, 24)).toBe('q');
    expect(() => j.deserializeRange!(bytes, 2, 18)).toThrow(/not JSON/);
    expect(string().deserializeRange!(bytes, 0, 4)).toBe('xx{"');
  });
});

/** A client whose consumers never hand out lazy records: the eager side of a comparison. */
function eagerClient(client: LogClient): LogClient {
  return {
    kind: client.kind,
    connect: () => client.connect(),
    admin: () => client.admin(),
    consumer: (opts: ConsumerOptions) => client.consumer({ ...opts, lazyRecords: false }),
    reader: (opts) => client.reader(opts),
    producer: (opts) => client.producer(opts),
    close: async () => {},
    claimInternalTopics: (owner, topics) => client.claimInternalTopics(owner, topics),
  };
}

/** A client whose consumers record whether they were asked for lazy records, and whether each record they handed out is one. */
function watchedClient(client: LogClient, asked: boolean[], handedLazy: boolean[]): LogClient {
  return {
    ...eagerClient(client),
    consumer: (opts: ConsumerOptions) => {
      asked.push(opts.lazyRecords === true);
      const consumer = client.consumer(opts);
      const poll = consumer.poll.bind(consumer);
      consumer.poll = async (o) => {
        const batches = await poll(o);
        for (const b of batches) for (const r of b.records) handedLazy.push(r instanceof BatchRecord);
        return batches;
      };
      return consumer;
    },
  };
}

async function logWith(setup: (client: LogClient) => Promise<void>): Promise<{ client: LogClient; engine: LogEngine }> {
  const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
  onCleanup(() => client.close());
  const { engine } = await (client as EmbeddedClient).deps();
  await setup(client);
  return { client, engine };
}

async function topicText(engine: LogEngine, topic: string): Promise<string[]> {
  if (!engine.hasTopic(topic)) return [];
  const out: string[] = [];
  for (let p = 0; p < engine.partitionCount(topic); p++)
    for (const r of (await engine.readRecords(topic, p, 0, 1 << 26)).records) out.push(`${p}|${r.key?.toString() ?? '∅'}|${r.value?.toString() ?? '∅'}|${r.timestamp}|${JSON.stringify(Object.keys(r.headers).sort())}`);
  return out;
}

/** Runs `build` over the same log twice, lazily and eagerly, each as an app of its own; answers each one's outputs. */
async function bothWays(setup: (client: LogClient) => Promise<void>, build: (a: ReturnType<typeof app>, out: string) => void, outputs: (out: string) => string[]) {
  const { client, engine } = await logWith(setup);
  const results: string[][] = [];
  for (const lazy of [true, false]) {
    const asked: boolean[] = [];
    const handedLazy: boolean[] = [];
    const log = lazy ? watchedClient(client, asked, handedLazy) : eagerClient(client);
    const id = lazy ? 'lazy' : 'eager';
    const a = app({ id, log, logger: silentLogger, batch: { maxRecords: 97 }, errors: { retries: 0, backoffMs: 1 } });
    build(a, `${id}-out`);
    await a.start();
    await a.idle(200);
    await a.stop();
    if (lazy) expect(asked.length > 0 && asked.every(Boolean)).toBe(true);
    // The lazy run really ran on lazy records (a consumer that ignored the option would not).
    if (lazy) expect(handedLazy.length > 0 && handedLazy.every(Boolean)).toBe(true);
    const got: string[] = [];
    for (const t of [...outputs(`${id}-out`), `${id}.dlq`]) got.push(...(await topicText(engine, t)).map((line) => `${t.replace(id, '')}|${line}`));
    results.push(got);
  }
  return { lazy: results[0]!, eager: results[1]!, engine };
}

type Ev = { user: string; n: number; bad?: boolean };

async function events(client: LogClient, topic = 'ev', n = 600, bad = (i: number) => i % 97 === 13) {
  await client.admin().createTopic(topic, { partitions: 2 });
  const recs = Array.from({ length: n }, (_, i) => {
    // Timestamps go back now and then, some by more than a window's grace: late records.
    const ts = 20_000 + i * 37 - (i % 11 === 0 ? 2_500 : 0) - (i % 23 === 0 ? 9_000 : 0);
    return { key: `u${i % 7}`, value: bad(i) ? '{"user": not json' : JSON.stringify({ user: `u${i % 7}`, n: i }), timestamp: ts, headers: i % 5 === 0 ? { trace: `t${i}` } : undefined };
  });
  for (let i = 0; i < recs.length; i += 50) await client.producer().send(topic, recs.slice(i, i + 50));
}

describe('DSL pipelines over lazy records', () => {
  it('count: equal results; a value that does not parse is counted, never dead-lettered (a count reads no value)', async () => {
    const { lazy, eager } = await bothWays(
      (c) => events(c),
      (a, out) => a.stream<string, Ev>('ev', { key: string() }).pipe(groupByKey(), count({ name: 'n' }), to(out, { key: string() })),
      (out) => [out],
    );
    expect(lazy).toEqual(eager);
    expect(lazy.filter((l) => l.startsWith('.dlq'))).toEqual([]);
    // The last count of each user, summed, is every record: the malformed ones too.
    const last = new Map(lazy.map((l) => l.split('|')).map((f) => [f[2], Number(f[3])]));
    expect([...last.values()].reduce((s, x) => s + x, 0)).toBe(600);
  });

  it('filter, map and to: equal results; a value that does not parse is dead-lettered with its bytes, headers and the reason', async () => {
    const { lazy, eager, engine } = await bothWays(
      (c) => events(c),
      (a, out) =>
        a.stream<string, Ev>('ev', { key: string() }).pipe(
          filter((r) => r.value.n % 3 !== 0),
          mapValues((v: Ev) => ({ n2: v.n * 2 })),
          map((r) => ({ ...r, key: `${r.key}!` })),
          to(out, { key: string() }),
        ),
      (out) => [out],
    );
    expect(lazy).toEqual(eager);
    const bad = Array.from({ length: 600 }, (_, i) => i).filter((i) => i % 97 === 13);
    const dlq = [];
    for (let p = 0; p < engine.partitionCount('lazy.dlq'); p++) dlq.push(...(await engine.readRecords('lazy.dlq', p, 0, 1 << 20)).records);
    const seen = dlq.map((r) => `${r.key}|${r.value}|${r.headers.trace ?? '-'}|${/^not JSON/.test(r.headers['sluice.error']!.toString())}|${r.headers['sluice.source.topic']}`).sort();
    expect(seen).toEqual(bad.map((i) => `u${i % 7}|{"user": not json|${i % 5 === 0 ? `t${i}` : '-'}|true|ev`).sort());
  });

  it('a windowed count with late records: equal results and equal drops', async () => {
    const { lazy, eager } = await bothWays(
      (c) => events(c, 'ev', 800, () => false),
      (a, out) => a.stream<string, Ev>('ev', { key: string() }).pipe(groupByKey(), windowed(tumbling(1000, { grace: 500 })), count({ emit: 'final', name: 'w' }), to(out)),
      (out) => [out],
    );
    expect(lazy.length).toBeGreaterThan(50);
    expect(lazy).toEqual(eager);
  });

  it('a repartition read back (keys and values kept as raw bytes) and a timestamp extractor that spreads its record: equal results', async () => {
    const { lazy, eager } = await bothWays(
      (c) => events(c, 'ev', 400, () => false),
      (a, out) =>
        a
          .stream<string, Ev>('ev', { key: string(), timestamp: (v: Ev, rec) => ({ ...rec }).timestamp + (v.n % 2) })
          .pipe(
            mapValues((v: Ev) => Buffer.from(String(v.n))),
            groupByKey((r: { key: string; value: Buffer }) => Buffer.from(`${r.key}/${Number(r.value.toString()) % 3}`)),
            mapValues((b: Buffer) => Number(b.toString())),
            to(out),
          ),
      (out) => [out],
    );
    expect(lazy.length).toBe(400);
    // Two tasks write the repartition topic at once: the order within its partitions is any.
    expect([...lazy].sort()).toEqual([...eager].sort());
  });

  it('joins (stream-stream and stream-table): equal results', async () => {
    const { lazy, eager } = await bothWays(
      async (c) => {
        await events(c, 'left', 300, () => false);
        await events(c, 'right', 300, () => false);
        await c.admin().createTopic('users', { partitions: 2 });
        await c.producer().send('users', Array.from({ length: 7 }, (_, i) => ({ key: `u${i}`, value: i === 3 ? null : JSON.stringify({ tier: i }), timestamp: 1 })));
      },
      (a, out) => {
        a.stream<string, Ev>('left', { key: string() }).pipe(
          join({ topic: 'right', key: string() }, (l: Ev, r: Ev) => `${l.n}+${r.n}`, { within: 200, grace: 100, name: 'pairs' }),
          to(`${out}-pairs`, { key: string() }),
        );
        a.stream<string, Ev>('left', { key: string() }).pipe(leftJoinTable(a.table<string, { tier: number }>('users', { key: string() }), (l: Ev, u: { tier: number } | null) => `${l.n}:${u?.tier ?? '-'}`), to(`${out}-tiers`, { key: string() }));
      },
      (out) => [`${out}-pairs`, `${out}-tiers`],
    );
    expect(lazy.filter((l) => l.startsWith('-out-pairs')).length).toBeGreaterThan(100);
    expect(lazy.filter((l) => l.startsWith('-out-tiers')).length).toBe(300);
    expect(lazy).toEqual(eager);
  });
});

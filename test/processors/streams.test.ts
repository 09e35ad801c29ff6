/**
 * Streams and tables as users start them (streamOf/tableOf on any app), repartitioning with and
 * without serdes, event-time validation, the TestDriver's input forms, and custom operators built
 * on the public helpers (recordOperator, taskState, statefulOperator with a store).
 */
import { map, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../../core/worker/contracts.js';
import {
  afterRestore,
  bytes,
  count,
  groupByKey,
  json,
  leftJoinTable,
  mapValues,
  MemoryKeyValueStore,
  recordOperator,
  statefulOperator,
  streamOf,
  string,
  tableOf,
  taskState,
  TestDriver,
  to,
  type Rec,
} from '../../processors/index.js';

describe('streamOf / tableOf', () => {
  it('start pipelines on any AppLike; a table is the latest row per key and a tombstone deletes it', async () => {
    const d = new TestDriver((app) => {
      const customers = tableOf<string, { name: string }>(app, 'customers', { key: string() });
      streamOf<string, { item: string }>(app, 'orders', { key: string() }).pipe(
        leftJoinTable(customers, (o: { item: string }, c: { name: string } | null) => `${o.item} for ${c?.name ?? '?'}`),
        to('labels', { key: string(), value: string() }),
      );
    });
    const k = { key: string() };
    await d.input('customers', { key: 'c1', value: { name: 'Ann' }, timestamp: 1 }, k);
    await d.input('orders', { key: 'c1', value: { item: 'tea' }, timestamp: 2 }, k);
    await d.input('customers', { key: 'c1', value: { name: 'Anne' }, timestamp: 3 }, k);
    await d.input('orders', { key: 'c1', value: { item: 'cake' }, timestamp: 4 }, k);
    await d.input('customers', { key: 'c1', value: null, timestamp: 5 }, k);
    await d.input('orders', { key: 'c1', value: { item: 'jam' }, timestamp: 6 }, k);
    expect(d.output('labels').map((r) => r.value)).toEqual(['tea for Ann', 'cake for Anne', 'jam for ?']);
    await d.close();
  });
});

describe('groupByKey repartitioning', () => {
  it('keeps Buffer values as bytes through the repartition topic by default', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, Buffer>('raw', { key: string(), value: bytes() }).pipe(
        groupByKey((r: Rec<string, Buffer>) => r.value.subarray(0, 1).toString()),
        mapValues((v: Buffer, r: Rec<string, Buffer>) => `${Buffer.isBuffer(v) ? 'bytes' : typeof v}:${v.toString('hex')}:${Object.keys(r.headers).join(',')}`),
        to('out', { key: string(), value: string() }),
      );
    });
    await d.input('raw', { key: Buffer.from('k'), value: Buffer.from([0x61, 0x00, 0xff]), headers: { trace: 't1' } });
    expect(d.output('out').map((r) => [r.key, r.value])).toEqual([['a', 'bytes:6100ff:trace']]);
    await d.close();
  });

  it('uses the serdes given to groupByKey for the repartition topic', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { user: string; n: number }>('ev', { key: string() }).pipe(
        groupByKey((r: Rec<string, { user: string; n: number }>) => r.value.user, { name: 'by-user', key: string(), value: json() }),
        count({ name: 'per-user' }),
        to('counts', { key: string() }),
      );
    });
    await d.input('ev', [
      { key: Buffer.from('1'), value: { user: 'ann', n: 1 } },
      { key: Buffer.from('2'), value: { user: 'bob', n: 2 } },
      { key: Buffer.from('3'), value: { user: 'ann', n: 3 } },
    ]);
    // string() keys: plain text in the repartition topic, not JSON strings
    expect(d.output('test-app-by-user-repartition').map((r) => r.key)).toEqual(['ann', 'bob', 'ann']);
    expect(d.output('counts').map((r) => [r.key, r.value])).toEqual([['ann', 1], ['bob', 1], ['ann', 2]]);
    expect(new Map(d.store('per-user') as Array<[string, number]>)).toEqual(new Map([['ann', 2], ['bob', 1]]));
    await d.close();
  });
});

describe('event time', () => {
  it('sends a record whose extracted timestamp is unusable to the dead-letter topic and goes on', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { ts: unknown }>('ev', { key: string(), timestamp: (v) => v.ts as number }).pipe(to('ok', { key: string() }));
    });
    await d.input('ev', [
      { key: Buffer.from('a'), value: { ts: 10 } },
      { key: Buffer.from('b'), value: { ts: 'soon' } },
      { key: Buffer.from('c'), value: { ts: -5 } },
      { key: Buffer.from('d'), value: { ts: 20 } },
    ]);
    expect(d.output('ok').map((r) => [r.key, r.timestamp])).toEqual([['a', 10], ['d', 20]]);
    const dlq = d.output('test-app.dlq');
    expect(dlq.map((r) => r.headers['sluice.error.class']!.toString())).toEqual(['InvalidTimestampError', 'InvalidTimestampError']);
    expect(dlq[0]!.headers['sluice.error']!.toString()).toMatch(/ev\/0@1 has event time soon/);
    await d.close();
  });
});

describe('TestDriver', () => {
  it('runs PipelineDefinitions built elsewhere, record by record or in batches', async () => {
    const def: PipelineDefinition = {
      name: 'upper',
      inputs: ['in'],
      outputs: ['out'],
      build: (ctx) => (src) =>
        src.pipe(
          map((r) => {
            ctx.send('out', [{ key: r.key, value: Buffer.from(r.value!.toString().toUpperCase()), timestamp: r.timestamp }]);
            return r;
          }),
        ),
    };
    const d = new TestDriver([def]);
    await d.input('in', { value: 'a', timestamp: 5 }, { value: string() });
    await d.pipeInput('in', [{ value: 'b' }, { value: 'c' }], { value: string() });
    expect(d.output('out').map((r) => [r.value, r.timestamp])).toEqual([['A', 5], ['B', 5], ['C', 5]]);
    await d.close();
  });
});

describe('custom operators', () => {
  /** A running total per key kept with taskState: per task, across batches, no changelog. */
  function runningTotal<K>(): OperatorFunction<Rec<K, number>, Rec<K, number>> {
    const task = taskState(() => new Map<string, number>());
    return (source) => {
      const { ctx, state } = task();
      return recordOperator<Rec<K, number>, Rec<K, number>>(ctx, {
        next(r, emit) {
          const k = JSON.stringify(r.key);
          const total = (state.get(k) ?? 0) + r.value;
          state.set(k, total);
          emit({ ...r, value: total });
        },
      })(source);
    };
  }

  /** Drops records whose key was seen before, remembering keys in a changelogged store. */
  function dedupe<K, V>(): OperatorFunction<Rec<K, V>, Rec<K, V>> {
    return statefulOperator<Rec<K, V>, Rec<K, V>>('seen-keys', (ctx, name) => {
      let seen!: MemoryKeyValueStore<K, true>;
      const opened = MemoryKeyValueStore.open<K, true>(name, ctx).then((s) => (seen = s));
      return afterRestore(
        opened,
        recordOperator<Rec<K, V>, Rec<K, V>>(ctx, {
          next(r, emit) {
            if (seen.get(r.key)) return;
            seen.put(r.key, true);
            emit(r);
          },
          complete: () => seen.flush(),
        }),
      );
    });
  }

  it('keep per-task state across batches, and a statefulOperator logs its store to its changelog', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, number>('amounts', { key: string() }).pipe(runningTotal<string>(), to('totals', { key: string() }));
      app.stream<string, string>('signups', { key: string(), value: string() }).pipe(dedupe<string, string>(), to('first-signups', { key: string(), value: string() }));
    });
    await d.input('amounts', [{ key: Buffer.from('a'), value: 2 }, { key: Buffer.from('b'), value: 1 }]);
    await d.input('amounts', { key: Buffer.from('a'), value: 5 });
    expect(d.output('totals').map((r) => [r.key, r.value])).toEqual([['a', 2], ['b', 1], ['a', 7]]);

    const s = { key: string(), value: string() };
    await d.input('signups', [{ key: 'u1', value: 'web' }, { key: 'u2', value: 'app' }, { key: 'u1', value: 'app' }], s);
    await d.input('signups', { key: 'u2', value: 'web' }, s);
    expect(d.output('first-signups').map((r) => [r.key, r.value])).toEqual([['u1', 'web'], ['u2', 'app']]);
    expect(new Map(d.store('seen-keys') as Array<[string, boolean]>)).toEqual(new Map([['u1', true], ['u2', true]]));
    expect(d.output('test-app-seen-keys-changelog').map((r) => r.key)).toEqual(['u1', 'u2']);
    await d.close();
  });
});

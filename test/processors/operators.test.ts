import { filter } from 'rxjs';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { aggregate, branch, count, flatMapValues, groupByKey, json, mapValues, merge, peek, reduce, selectKey, string, TestDriver, to, toStream, toTable, type Rec } from '../../processors/index.js';

type Order = { id: string; customer: string; amount: number };

describe('DSL operators (TestDriver)', () => {
  it('mapValues, selectKey, flatMapValues, peek and to keep keys, timestamps and inputs intact', async () => {
    const seen: Rec[] = [];
    const inputs: Rec[] = [];
    const d = new TestDriver((app) => {
      app.stream<string, Order>('orders', { key: string() }).pipe(
        peek((r: Rec<string, Order>) => inputs.push(r)),
        mapValues((o: Order) => ({ ...o, amount: o.amount * 2 })),
        selectKey((r: Rec<string, Order>) => r.value.customer),
        flatMapValues((o: Order) => [o.id, `${o.id}-copy`]),
        peek((r) => seen.push(r)),
        to('out', { key: string(), value: string() }),
      );
    });
    await d.pipeInput('orders', [{ key: Buffer.from('o1'), value: { id: 'o1', customer: 'ann', amount: 5 }, timestamp: 100 }]);
    expect(d.output('out').map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['ann', 'o1', 100],
      ['ann', 'o1-copy', 100],
    ]);
    expect(seen[0]).toMatchObject({ topic: 'orders', partition: 0, offset: 0 });
    expect(inputs[0]!.value).toEqual({ id: 'o1', customer: 'ann', amount: 5 }); // not mutated by mapValues
    await d.close();
  });

  it('groupByKey with a new key repartitions, and count/reduce/aggregate keep per-key state', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, Order>('orders', { key: string() }).pipe(groupByKey((r: Rec<string, Order>) => r.value.customer), count({ name: 'orders-per-customer' }), to('counts'));
      app.stream<string, Order>('orders', { key: string() }).pipe(groupByKey((r: Rec<string, Order>) => r.value.customer), mapValues((o: Order) => o.amount), reduce((a: number, b: number) => Math.max(a, b), { name: 'max' }), to('max'));
      app.stream<string, Order>('orders', { key: string() }).pipe(
        groupByKey((r: Rec<string, Order>) => r.value.customer),
        aggregate(() => ({ n: 0, total: 0 }), (acc: { n: number; total: number }, o: Order) => ({ n: acc.n + 1, total: acc.total + o.amount }), { name: 'totals' }),
        to('totals'),
      );
    });
    const orders = [
      { id: '1', customer: 'ann', amount: 5 },
      { id: '2', customer: 'bob', amount: 7 },
      { id: '3', customer: 'ann', amount: 9 },
      { id: '4', customer: 'ann', amount: 1 },
    ];
    await d.pipeInput('orders', orders.map((o, i) => ({ key: Buffer.from(o.id), value: o, timestamp: i })));
    expect(d.output('test-app-orders-0-group-by-key-1-repartition').map((r) => r.key)).toEqual(['ann', 'bob', 'ann', 'ann']);
    expect(d.output('counts').map((r) => [r.key, r.value])).toEqual([['ann', 1], ['bob', 1], ['ann', 2], ['ann', 3]]);
    expect(d.output('max').map((r) => [r.key, r.value])).toEqual([['ann', 5], ['bob', 7], ['ann', 9], ['ann', 9]]);
    expect(new Map(d.store('totals') as Array<[string, unknown]>)).toEqual(new Map([['ann', { n: 3, total: 15 }], ['bob', { n: 1, total: 7 }]]));
    // the changelog holds the latest state per key
    const changelog = d.output('test-app-totals-changelog');
    expect(changelog.filter((r) => r.key === 'ann').at(-1)!.value).toEqual({ n: 3, total: 15 });
    expect(changelog.filter((r) => r.key === 'bob').at(-1)!.value).toEqual({ n: 1, total: 7 });
    await d.close();
  });

  it('sends a value that fails its zod schema to the dead-letter topic with the reason', async () => {
    const Order = z.object({ id: z.string(), amount: z.number().positive() });
    const d = new TestDriver((app) => {
      app.stream('orders', { key: string(), value: json(Order) }).pipe(filter(() => true), to('valid'));
    });
    await d.pipeInput('orders', [
      { key: Buffer.from('a'), value: { id: 'a', amount: 3 } },
      { key: Buffer.from('b'), value: { id: 'b', amount: -1 } },
      { key: Buffer.from('c'), value: Buffer.from('{not json') },
    ]);
    expect(d.output('valid').map((r) => r.value)).toEqual([{ id: 'a', amount: 3 }]);
    const dlq = d.output('test-app.dlq');
    expect(dlq).toHaveLength(2);
    expect(dlq[0]!.headers['sluice.error']!.toString()).toMatch(/amount: Number must be greater than 0/);
    expect(dlq[1]!.headers['sluice.error']!.toString()).toMatch(/not JSON/);
    expect(dlq[1]!.headers['sluice.source.offset']!.toString()).toBe('2');
    await d.close();
  });

  it('dead-letters a record that fails in an operator past the decoder with its own key and value bytes', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { n: number }>('nums', { key: string() }).pipe(
        mapValues((v: { n: number }) => {
          if (v.n < 0) throw new Error(`negative: ${v.n}`);
          return v.n * 2;
        }),
        to('doubled'),
      );
    });
    await d.pipeInput('nums', [
      { key: Buffer.from('a'), value: Buffer.from('{"n":1}') },
      { key: Buffer.from('b'), value: Buffer.from('{"n":-5}') },
      { key: Buffer.from('c'), value: Buffer.from('{"n":3}') },
    ]);
    expect(d.output('doubled').map((r) => r.value)).toEqual([2, 6]);
    const dlq = d.output('test-app.dlq');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.key).toBe('b');
    expect(dlq[0]!.value).toEqual({ n: -5 });
    expect(dlq[0]!.headers['sluice.error']!.toString()).toBe('negative: -5');
    expect(dlq[0]!.headers['sluice.source.offset']!.toString()).toBe('1');
    await d.close();
  });
});

describe('tables and merge (TestDriver)', () => {
  it('toTable keeps the latest value per key, a null deleting it; toStream passes updates on', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { v: number } | null>('changes', { key: string() }).pipe(toTable({ name: 'latest' }), toStream(), to('updates', { key: string() }));
    });
    await d.pipeInput('changes', [
      { key: Buffer.from('a'), value: { v: 1 } },
      { key: Buffer.from('b'), value: { v: 2 } },
      { key: Buffer.from('a'), value: { v: 3 } },
      { key: Buffer.from('b'), value: null },
    ]);
    expect(d.store('latest')).toEqual([['a', { v: 3 }]]);
    expect(d.output('updates').map((r) => [r.key, r.value])).toEqual([['a', { v: 1 }], ['b', { v: 2 }], ['a', { v: 3 }], ['b', null]]);
    const changelog = d.output('test-app-latest-changelog');
    expect(changelog.filter((r) => r.key === 'b').at(-1)!.value).toBeNull();
    await d.close();
  });

  it('merge brings another topic into the stream at that point, in arrival order', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { n: number }>('web', { key: string() }).pipe(
        mapValues((v: { n: number }) => ({ n: v.n, via: 'web' })),
        merge({ topic: 'mobile', key: string() }),
        mapValues((v: { n: number; via?: string }) => `${v.via ?? 'mobile'}-${v.n}`),
        to('all', { key: string(), value: string() }),
      );
    });
    await d.pipeInput('web', [{ key: Buffer.from('u'), value: { n: 1 }, timestamp: 1 }]);
    await d.pipeInput('mobile', [{ key: Buffer.from('u'), value: { n: 2 }, timestamp: 2 }]);
    await d.pipeInput('web', [{ key: Buffer.from('u'), value: { n: 3 }, timestamp: 3 }]);
    expect(d.output('all').map((r) => r.value)).toEqual(['web-1', 'mobile-2', 'web-3']);
    await d.close();
  });
});

describe('branch (TestDriver)', () => {
  it('sends each record to the first matching branch, each with its own operators', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, Order>('orders', { key: string() }).pipe(
        branch(
          { big: (r: Rec<string, Order>) => r.value.amount >= 100, small: (r: Rec<string, Order>) => r.value.amount > 0 },
          { big: [to('big', { key: string() })], small: [mapValues((o: Order) => o.id), to('small-ids', { key: string(), value: string() })] },
        ),
      );
    });
    await d.pipeInput('orders', [
      { key: Buffer.from('1'), value: { id: 'o1', customer: 'a', amount: 150 } },
      { key: Buffer.from('2'), value: { id: 'o2', customer: 'b', amount: 5 } },
      { key: Buffer.from('3'), value: { id: 'o3', customer: 'c', amount: 0 } },
      { key: Buffer.from('4'), value: { id: 'o4', customer: 'd', amount: 100 } },
    ]);
    expect(d.output('big').map((r) => (r.value as Order).id)).toEqual(['o1', 'o4']);
    expect(d.output('small-ids').map((r) => r.value)).toEqual(['o2']);
    expect(() => branch({ a: () => true }, { a: [count()] })).toThrow(/cannot run inside a branch/);
    await d.close();
  });
});

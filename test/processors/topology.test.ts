/**
 * The topology: operators are nodes wired by pipe(); describe() gives Kafka Streams'
 * TopologyDescription and prints it as Kafka Streams does; default names come from a node's own
 * chain, so they stay put when the rest of the app changes; named() replaces them; a stream piped
 * twice fans out; types flow through pipe() without annotations; a new operator is one file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { filter } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  afterRestore,
  count,
  groupByKey,
  joinTable,
  mapValues,
  MemoryKeyValueStore,
  named,
  recordOperator,
  sluiceOperator,
  string,
  TestDriver,
  to,
  tumbling,
  windowed,
  type KStream,
  type Rec,
  type SluiceOperator,
  join,
  leftJoin,
  outerJoin,
} from '../../processors/index.js';

type Order = { id: string; customer: string; amount: number };
type Customer = { name: string };

function shop(app: TestDriver): void {
  const orders = app.stream<string, Order>('orders', { key: string() });
  const customers = app.table<string, Customer>('customers', { key: string() });
  orders.pipe(
    named('paid', filter((r) => r.value.amount > 0)),
    groupByKey((r) => r.value.customer, { name: 'by-customer' }),
    windowed(tumbling('1m')),
    count({ name: 'orders-per-minute' }),
    to('orders-per-minute'),
  );
  orders.pipe(
    joinTable(customers, (o, c) => ({ ...o, name: c.name })),
    to('named-orders'),
  );
}

describe('describe()', () => {
  it('gives sub-topologies with their sources, processors, stores, sinks, repartition and changelog topics', () => {
    const d = new TestDriver(shop, { appId: 'shop' });
    const t = d.describe();
    expect(t.subtopologies.map((s) => [s.id, s.pipeline, s.repartitionTopics, s.changelogTopics])).toEqual([
      [0, 'orders-0', [], []],
      [1, 'by-customer', ['shop-by-customer-repartition'], ['shop-orders-per-minute-changelog']],
    ]);
    expect(t.repartitionTopics).toEqual(['shop-by-customer-repartition']);
    expect(t.changelogTopics).toEqual(['shop-orders-per-minute-changelog']);
    expect(t.stores).toEqual(['customers', 'orders-per-minute']);
    expect(t.subtopologies[1]!.nodes).toEqual([
      { type: 'source', name: 'by-customer-source', topics: ['shop-by-customer-repartition'], successors: ['orders-0-count-4'] },
      { type: 'processor', name: 'orders-0-count-4', stores: ['orders-per-minute'], successors: ['orders-0-to-5'], predecessors: ['by-customer-source'] },
      { type: 'sink', name: 'orders-0-to-5', topic: 'orders-per-minute', predecessors: ['orders-0-count-4'] },
    ]);
  });

  it('prints as Kafka Streams prints a TopologyDescription', () => {
    const d = new TestDriver(shop, { appId: 'shop' });
    // Kafka Streams' layout: "Topologies:", then per sub-topology its nodes, largest sub-tree
    // first (then by name), successors after "-->", predecessors after "<--", "none" for none.
    expect(String(d.describe())).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        // `orders` is piped twice: one source, two successors (a fan-out, as in Kafka Streams).
        '    Source: orders-0-source (topics: [orders])',
        '      --> paid, orders-0-join-table-1',
        '    Source: orders-0-join-table-1-source (topics: [customers])',
        '      --> orders-0-join-table-1',
        '    Processor: orders-0-join-table-1 (stores: [customers])',
        '      --> orders-0-to-2',
        '      <-- orders-0-source, orders-0-join-table-1-source',
        '    Processor: paid (stores: [])',
        '      --> by-customer-sink',
        '      <-- orders-0-source',
        '    Sink: by-customer-sink (topic: shop-by-customer-repartition)',
        '      <-- paid',
        '    Sink: orders-0-to-2 (topic: named-orders)',
        '      <-- orders-0-join-table-1',
        '',
        '  Sub-topology: 1',
        '    Source: by-customer-source (topics: [shop-by-customer-repartition])',
        '      --> orders-0-count-4',
        '    Processor: orders-0-count-4 (stores: [orders-per-minute])',
        '      --> orders-0-to-5',
        '      <-- by-customer-source',
        '    Sink: orders-0-to-5 (topic: orders-per-minute)',
        '      <-- orders-0-count-4',
        '',
        '',
      ].join('\n'),
    );
  });
});

/** Every store, changelog and repartition topic name of an app. */
const namesOf = (d: TestDriver) => {
  const t = d.describe();
  return { stores: t.stores, changelogs: t.changelogTopics, repartitions: t.repartitionTopics };
};

describe('join stores in describe()', () => {
  it("lists a stream-stream join's stores under Kafka Streams' names, with their changelog topics", () => {
    const pay = { topic: 'payments', key: string() };
    const d = new TestDriver(
      (app) => {
        app.stream<string, Order>('orders', { key: string() }).pipe(named('paid', leftJoin(pay, (o, p) => [o, p], { within: '10s' })), to('paid-orders'));
        app.stream<string, Order>('refunds', { key: string() }).pipe(outerJoin(pay, (o, p) => [o, p], { within: '10s', storeName: 'r' }), to('refunds-paid'));
        app.stream<string, Order>('carts', { key: string() }).pipe(join(pay, (o, p) => [o, p], { within: '10s', name: 'carts-paid' }), to('carts-paid'));
      },
      { appId: 'shop' },
    );
    const t = d.describe();
    const stores = ['paid-this-join-store', 'paid-outer-other-join-store', 'paid-left-shared-join-store', 'r-outer-this-join-store', 'r-outer-other-join-store', 'r-outer-shared-join-store', 'carts-paid-this-join-store', 'carts-paid-other-join-store'];
    expect([...t.stores].sort()).toEqual([...stores].sort());
    expect([...t.changelogTopics].sort()).toEqual(stores.map((s) => `shop-${s}-changelog`).sort());
    expect(String(t)).toContain('Processor: paid (stores: [paid-this-join-store, paid-outer-other-join-store, paid-left-shared-join-store])');
  });
});

describe('names', () => {
  const perCustomer = (app: TestDriver) => app.stream<string, Order>('orders', { key: string() }).pipe(groupByKey((r) => r.value.customer), count(), to('per-customer'));

  it('default from the chain, the place and the kind, and do not shift when other chains change', () => {
    const alone = new TestDriver((app) => perCustomer(app), { appId: 'a' });
    const crowded = new TestDriver(
      (app) => {
        // Streams of other topics before and after, with operators of the same kinds.
        app.stream<string, Order>('refunds', { key: string() }).pipe(groupByKey((r) => r.value.customer), count(), to('refunds-per-customer'));
        perCustomer(app);
        app.stream<string, Order>('payments', { key: string() }).pipe(mapValues((o) => o.amount), count(), to('payments-per-key'));
      },
      { appId: 'a' },
    );
    expect(namesOf(alone)).toEqual({ stores: ['orders-0-count-2'], changelogs: ['a-orders-0-count-2-changelog'], repartitions: ['a-orders-0-group-by-key-1-repartition'] });
    expect(namesOf(crowded).changelogs).toContain('a-orders-0-count-2-changelog');
    expect(namesOf(crowded).repartitions).toContain('a-orders-0-group-by-key-1-repartition');
  });

  it('named() names the processor and what the operator names after it; a name is taken once', () => {
    const d = new TestDriver(
      (app) =>
        app.stream<string, Order>('orders', { key: string() }).pipe(
          named('by-customer', groupByKey((r) => r.value.customer)),
          named('orders-per-customer', count()),
          named('out', to('per-customer')),
        ),
      { appId: 'n' },
    );
    expect(namesOf(d)).toEqual({ stores: ['orders-per-customer'], changelogs: ['n-orders-per-customer-changelog'], repartitions: ['n-by-customer-repartition'] });
    expect(d.describe().subtopologies[1]!.nodes.map((n) => n.name)).toEqual(['by-customer-source', 'orders-per-customer', 'out']);
    expect(() => new TestDriver((app) => app.stream('x').pipe(named('twice', filter(() => true)), named('twice', filter(() => true))))).toThrow(/"twice" is used twice/);
    expect(() => named('no spaces', count())).toThrow(/ASCII letters/);
  });
});

describe('pipe()', () => {
  it('returns the stream so a chain goes on, and a stream piped twice gives every record to both', async () => {
    const d = new TestDriver((app) => {
      const amounts = app.stream<string, Order>('orders', { key: string() }).pipe(mapValues((o) => o.amount));
      amounts.pipe(filter((r) => r.value >= 100)).pipe(to('big', { key: string() }));
      amounts.pipe(count({ name: 'orders' }), to('counts', { key: string() }));
    });
    await d.pipeInput(
      'orders',
      [5, 150, 20].map((amount, i) => ({ key: 'ann', value: { id: `o${i}`, customer: 'ann', amount }, timestamp: i })),
      { key: string() },
    );
    expect(d.output('big').map((r) => r.value)).toEqual([150]);
    expect(d.output('counts').map((r) => r.value)).toEqual([1, 2, 3]);
    // One sub-topology (one consumer group, one task per partition) runs both.
    expect(d.describe().subtopologies).toHaveLength(1);
    await d.close();
  });

  it('infers record types through the chain without annotations', () => {
    new TestDriver((app) => {
      const amounts = app.stream<string, Order>('orders', { key: string() }).pipe(
        filter((r) => r.value.amount > 0),
        mapValues((o) => o.amount),
      );
      expectTypeOf(amounts).toEqualTypeOf<KStream<string, number>>();
      const counts = amounts.pipe(groupByKey((r) => r.value > 100), count());
      expectTypeOf(counts).toEqualTypeOf<KStream<boolean, number>>();
      expectTypeOf(counts.pipe(to('out'))).toEqualTypeOf<KStream<never, never>>();
    });
  });

  it('refuses operators after to(...), which ends a chain', () => {
    expect(() => new TestDriver((app) => app.stream('x').pipe(to('y'), mapValues((v) => v)))).toThrow(/after to\(\.\.\.\)/);
  });
});

describe('a new operator is one file', () => {
  /** Drops a record whose key was seen before: a node with one store, written against the NodeBuilder alone. */
  function firstPerKey<K, V>(): SluiceOperator<Rec<K, V>, Rec<K, V>> {
    return sluiceOperator({
      kind: 'first-per-key',
      writeToTopology(b) {
        const store = b.name;
        b.store(store);
        b.processor(
          (t) => {
            let seen!: MemoryKeyValueStore<K, true>;
            const opened = MemoryKeyValueStore.open<K, true>(store, t.ctx).then((s) => (seen = s));
            return afterRestore(
              opened,
              recordOperator<Rec<K, V>, Rec<K, V>>(t.ctx, {
                next(r, emit) {
                  if (seen.get(r.key)) return;
                  seen.put(r.key, true);
                  emit(r);
                },
                complete: () => seen.flush(),
              }),
            );
          },
          { stores: [store] },
        );
      },
    });
  }

  it('declares its store and changelog, shows in describe() and runs', async () => {
    const d = new TestDriver((app) => app.stream<string, string>('signups', { key: string(), value: string() }).pipe(firstPerKey(), to('first', { key: string(), value: string() })), { appId: 'f' });
    expect(namesOf(d).changelogs).toEqual(['f-signups-0-first-per-key-1-changelog']);
    await d.pipeInput('signups', [{ key: 'u1', value: 'web' }, { key: 'u1', value: 'app' }, { key: 'u2', value: 'app' }], { key: string(), value: string() });
    expect(d.output('first').map((r) => [r.key, r.value])).toEqual([['u1', 'web'], ['u2', 'app']]);
    expect(d.output('f-signups-0-first-per-key-1-changelog').map((r) => r.key)).toEqual(['u1', 'u2']);
    await d.close();
  });
});

describe('layers', () => {
  it('core/ imports nothing from processors/ (the worker offers add-pipeline; the DSL builds on it)', () => {
    const root = joinPath(import.meta.dirname, '../../core');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = joinPath(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /from '(\.\.\/)+processors\//.test(readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});

/**
 * Records per topology node (Kafka Streams' process-total): every node of a DSL topology — its
 * source, plain RxJS operators, a table's side input, a branch's inline chains and sinks — counts
 * the records that entered it into sluice_node_records_total{pipeline,node}.
 */
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { NODE_RECORDS } from '../../core/worker/node-records.js';
import { branch, joinTable, mapValues, named, string, TestDriver, to } from '../../processors/index.js';

interface Order {
  id: number;
  customer: string;
  amount: number;
}

describe('records per topology node', () => {
  it('counts what enters each node, side inputs and branches included', async () => {
    const d = new TestDriver((a) => {
      const customers = a.table<string, { name: string }>('customers', { key: string() });
      a.stream<string, Order>('orders', { key: string() }).pipe(
        named('positive', filter((r) => r.value.amount > 0)),
        named('with-customer', joinTable(customers, (o: Order, c) => ({ ...o, name: c.name }))),
        named(
          'split',
          branch({ big: (r) => r.value.amount >= 100, small: () => true }, { big: [to('big')], small: [mapValues((o: Order) => o.id), to('small')] }),
        ),
      );
    });
    await d.pipeInput('customers', [
      { key: 'c1', value: { name: 'Ann' }, timestamp: 1 },
      { key: 'c2', value: { name: 'Bob' }, timestamp: 1 },
    ]);
    // Six orders: one not positive, one of an unknown customer (the inner join drops it), two big, two small.
    const orders = [
      { id: 1, customer: 'c1', amount: 0 },
      { id: 2, customer: 'c9', amount: 50 },
      { id: 3, customer: 'c1', amount: 150 },
      { id: 4, customer: 'c2', amount: 300 },
      { id: 5, customer: 'c2', amount: 10 },
      { id: 6, customer: 'c1', amount: 20 },
    ];
    await d.pipeInput('orders', orders.map((o, i) => ({ key: o.customer, value: o, timestamp: 10 + i })));
    expect(d.output('big')).toHaveLength(2);
    const sub = d.describe().subtopologies.find((s) => s.nodes.some((n) => n.name === 'positive'))!;
    const counts = Object.fromEntries(sub.nodes.map((n) => [n.name, d.metrics.value(NODE_RECORDS, { pipeline: sub.pipeline, node: n.name })]));
    expect(counts).toEqual({
      'orders-0-source': 6,
      positive: 6,
      'with-customer-source': 2, // the table's records, at the source that reads them
      'with-customer': 5,
      split: 4,
      'split-big-to-1': 2,
      'split-small-map-values-1': 2,
      'split-small-to-2': 2,
    });
    await d.close();
  });
});

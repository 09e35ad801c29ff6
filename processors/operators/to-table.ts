/**
 * toTable(): reads the stream as a changelog — the latest value per key, a null value deleting
 * the key — materialized in a store with its changelog topic, emitting each update (a table's
 * update stream). toStream() turns such a table back into a plain stream of its updates.
 */
import { identity } from 'rxjs';
import { sluiceOperator, storeNode, type SluiceOperator } from '../sluice-op.js';
import { processorNode } from '../topology/node.js';
import type { Rec } from '../types.js';
import { keyedAggregate } from './aggregate.js';
import type { Materialized } from '../stores/materialized.js';

export function toTable<K, V>(opts: { name?: string; store?: Materialized<K, V> } = {}): SluiceOperator<Rec<K, V | null>, Rec<K, V | null>> {
  return sluiceOperator(
    storeNode('to-table', {
      storeName: opts.name ?? opts.store?.name,
      bind: (b, ctx) => keyedAggregate<K, V | null, V | null>(b, ctx, () => null, (_, v) => v, opts.store as Materialized, { nullDeletes: true }) as never,
    }),
  );
}

/** The update stream of a table (aggregations and toTable already emit it): records pass as they are. */
export function toStream<K, V>(): SluiceOperator<Rec<K, V>, Rec<K, V>> {
  return sluiceOperator(processorNode('to-stream', () => identity), identity);
}

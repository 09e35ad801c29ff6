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
import { redisKeyedAggregate } from './keyed-aggregate-redis.js';
import type { StoreBackendOptions } from '../stores/window-stores.js';

export function toTable<K, V>(opts: { name?: string; store?: StoreBackendOptions } = {}): SluiceOperator<Rec<K, V | null>, Rec<K, V | null>> {
  return sluiceOperator(
    storeNode('to-table', {
      storeName: opts.name,
      bind: (b, ctx) =>
        (opts.store?.backend === 'redis'
          ? redisKeyedAggregate<K, V | null, V | null>(b, ctx, () => null, (_, v) => v, opts.store, { nullDeletes: true })
          : keyedAggregate<K, V | null, V | null>(b, ctx, () => null, (_, v) => v, { nullDeletes: true })) as never,
    }),
  );
}

/** The update stream of a table (aggregations and toTable already emit it): records pass as they are. */
export function toStream<K, V>(): SluiceOperator<Rec<K, V>, Rec<K, V>> {
  return sluiceOperator(processorNode('to-stream', () => identity), identity);
}

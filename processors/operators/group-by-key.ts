/**
 * groupByKey(fn?, opts?): groups records by key for the aggregation that follows. With `fn` the
 * key changes, so the records go through the internal topic `<app>-<name>-repartition` and every
 * record of one key reaches the same task. Without `fn` the input is taken as partitioned by key.
 *
 *   groupByKey((r) => r.value.userId)                                   // JSON in the repartition topic
 *   groupByKey((r) => r.value.userId, { name: 'by-user', key: string(), value: json(Event) })
 *
 * `name` keeps the topic's name stable when the pipeline changes; `key`/`value` are the serdes of
 * the repartition topic (like Kafka Streams' Grouped.with); by default JSON, Buffers kept as bytes.
 */
import { identity } from 'rxjs';
import type { Serde } from '../../core/serde/serde.js';
import { markOperator, type SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

export interface GroupByKeyOptions<K2, V> {
  /** Names the repartition topic `<app>-<name>-repartition` (default: from the operator's position). */
  name?: string;
  key?: Serde<K2>;
  value?: Serde<V>;
}

export function groupByKey<K, V, K2 = K>(fn?: (record: Rec<K, V>) => K2, opts: GroupByKeyOptions<K2, V> = {}): SluiceOperator<Rec<K, V>, Rec<K2, V>> {
  if (!fn) return identity as unknown as SluiceOperator<Rec<K, V>, Rec<K2, V>>;
  return markOperator<Rec<K, V>, Rec<K2, V>>({
    kind: 'repartition',
    key: fn as (r: never) => unknown,
    name: opts.name,
    serdes: { key: opts.key as Serde<unknown> | undefined, value: opts.value as Serde<unknown> | undefined },
  });
}

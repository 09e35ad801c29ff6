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
import type { Serde } from '../../core/serde/serde.js';
import { repartitionDecoder, repartitionSender } from '../repartition.js';
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

export interface GroupByKeyOptions<K2, V> {
  /** Names the repartition topic `<app>-<name>-repartition` and the node (default: from the operator's place in its chain). */
  name?: string;
  key?: Serde<K2>;
  value?: Serde<V>;
}

export function groupByKey<K, V, K2 = K>(fn?: (record: Rec<K, V>) => K2, opts: GroupByKeyOptions<K2, V> = {}): SluiceOperator<Rec<K, V>, Rec<K2, V>> {
  // Without a key function the input is taken as keyed already: nothing to add (as Kafka Streams' groupByKey).
  if (!fn) return sluiceOperator({ kind: 'group-by-key', stateless: true, writeToTopology: () => {} });
  const serdes = { key: opts.key as Serde<unknown> | undefined, value: opts.value as Serde<unknown> | undefined };
  const keyOf = fn as (r: Rec) => unknown;
  return sluiceOperator({
    kind: 'group-by-key',
    name: opts.name,
    writeToTopology(b) {
      const topic = `${b.appId}-${b.name}-repartition`;
      b.repartition(topic, (t) => repartitionSender(t.ctx, topic, keyOf, serdes), repartitionDecoder(serdes));
    },
  });
}

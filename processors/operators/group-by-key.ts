/**
 * groupByKey(fn?): groups records by key for the aggregation that follows. With `fn` the key
 * changes, so the records go through the internal topic `<app>-<name>-repartition` and every
 * record of one key reaches the same task. Without `fn` the input is taken as partitioned by key.
 */
import { identity } from 'rxjs';
import { markOperator, type SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

export function groupByKey<K, V, K2 = K>(fn?: (record: Rec<K, V>) => K2, opts: { name?: string } = {}): SluiceOperator<Rec<K, V>, Rec<K2, V>> {
  if (!fn) return identity as unknown as SluiceOperator<Rec<K, V>, Rec<K2, V>>;
  return markOperator<Rec<K, V>, Rec<K2, V>>({ kind: 'repartition', key: fn as (r: never) => unknown, name: opts.name });
}

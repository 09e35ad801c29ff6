/**
 * selectKey(fn): a new key per record, in this task. To process records by their new key (count
 * per key, join), use groupByKey(fn), which also repartitions.
 */
import { perRecordOperator } from '../operator.js';
import type { SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

export function selectKey<K, V, K2>(fn: (record: Rec<K, V>) => K2): SluiceOperator<Rec<K, V>, Rec<K2, V>> {
  return perRecordOperator<Rec<K, V>, Rec<K2, V>>('select-key', (r, emit) => emit({ ...r, key: fn(r) }));
}

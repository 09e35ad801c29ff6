/**
 * selectKey(fn): a new key per record, in this task. To process records by their new key (count
 * per key, join), use groupByKey(fn), which also repartitions.
 */
import type { OperatorFunction } from 'rxjs';
import { recordOperator } from '../operator.js';
import { currentTask } from '../task-scope.js';
import type { Rec } from '../types.js';

export function selectKey<K, V, K2>(fn: (record: Rec<K, V>) => K2): OperatorFunction<Rec<K, V>, Rec<K2, V>> {
  return (source) => recordOperator<Rec<K, V>, Rec<K2, V>>(currentTask(), { next: (r, emit) => emit({ ...r, key: fn(r) }) })(source);
}

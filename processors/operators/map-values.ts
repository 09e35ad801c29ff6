/** mapValues(fn): a new value per record; key, timestamp and origin stay. */
import type { OperatorFunction } from 'rxjs';
import { recordOperator } from '../operator.js';
import { currentTask } from '../task-scope.js';
import type { Rec } from '../types.js';

export function mapValues<K, V, W>(fn: (value: V, record: Rec<K, V>) => W): OperatorFunction<Rec<K, V>, Rec<K, W>> {
  return (source) => recordOperator<Rec<K, V>, Rec<K, W>>(currentTask(), { next: (r, emit) => emit({ ...r, value: fn(r.value, r) }) })(source);
}

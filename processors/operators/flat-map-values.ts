/** flatMapValues(fn): zero or more values per record, each a new record with the same key and timestamp. */
import type { OperatorFunction } from 'rxjs';
import { recordOperator } from '../operator.js';
import { currentTask } from '../task-scope.js';
import type { Rec } from '../types.js';

export function flatMapValues<K, V, W>(fn: (value: V, record: Rec<K, V>) => Iterable<W>): OperatorFunction<Rec<K, V>, Rec<K, W>> {
  return (source) =>
    recordOperator<Rec<K, V>, Rec<K, W>>(currentTask(), {
      next: (r, emit) => {
        for (const w of [...fn(r.value, r)]) emit({ ...r, value: w });
      },
    })(source);
}

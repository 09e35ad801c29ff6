/** peek(fn): calls fn for each record (logging, metrics) and passes it on unchanged. */
import type { OperatorFunction } from 'rxjs';
import { recordOperator } from '../operator.js';
import { currentTask } from '../task-scope.js';
import type { Rec } from '../types.js';

export function peek<K, V>(fn: (record: Rec<K, V>) => void): OperatorFunction<Rec<K, V>, Rec<K, V>> {
  return (source) =>
    recordOperator<Rec<K, V>, Rec<K, V>>(currentTask(), {
      next: (r, emit) => {
        fn(r);
        emit(r);
      },
    })(source);
}

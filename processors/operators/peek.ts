/** peek(fn): calls fn for each record (logging, metrics) and passes it on unchanged. */
import { perRecordOperator } from '../operator.js';
import type { SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

export function peek<K, V>(fn: (record: Rec<K, V>) => void): SluiceOperator<Rec<K, V>, Rec<K, V>> {
  return perRecordOperator<Rec<K, V>, Rec<K, V>>('peek', (r, emit) => {
    fn(r);
    emit(r);
  });
}

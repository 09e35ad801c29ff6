/** flatMapValues(fn): zero or more values per record, each a new record with the same key and timestamp. */
import { perRecordOperator } from '../operator.js';
import type { SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

export function flatMapValues<K, V, W>(fn: (value: V, record: Rec<K, V>) => Iterable<W>): SluiceOperator<Rec<K, V>, Rec<K, W>> {
  return perRecordOperator<Rec<K, V>, Rec<K, W>>('flat-map-values', (r, emit) => {
    for (const w of [...fn(r.value, r)]) emit({ ...r, value: w });
  });
}

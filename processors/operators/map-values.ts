/** mapValues(fn): a new value per record; key, timestamp and origin stay. */
import { perRecordOperator } from '../operator.js';
import type { SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

export function mapValues<K, V, W>(fn: (value: V, record: Rec<K, V>) => W): SluiceOperator<Rec<K, V>, Rec<K, W>> {
  return perRecordOperator<Rec<K, V>, Rec<K, W>>('map-values', (r, emit) => emit({ ...r, value: fn(r.value, r) }));
}

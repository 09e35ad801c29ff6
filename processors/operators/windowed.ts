/** windowed(def): the next aggregation (count, reduce, aggregate) runs per window of `def`. */
import { markOperator, type SluiceOperator } from '../sluice-op.js';
import type { Rec, Windowed } from '../types.js';
import type { WindowDef } from '../windows/window-def.js';

export function windowed<K, V>(window: WindowDef): SluiceOperator<Rec<K, V>, Rec<Windowed<K>, V>> {
  return markOperator({ kind: 'windowed', window });
}

/** windowed(def): the next aggregation (count, reduce, aggregate) runs per window of `def`. */
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import type { Rec, Windowed } from '../types.js';
import type { WindowDef } from '../windows/window-def.js';

export function windowed<K, V>(window: WindowDef): SluiceOperator<Rec<K, V>, Rec<Windowed<K>, V>> {
  // No processor of its own (as Kafka Streams' windowedBy): it sets the window the next aggregation takes.
  return sluiceOperator({ kind: 'windowed', writeToTopology: (b) => b.setWindow(window) });
}

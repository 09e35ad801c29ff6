/**
 * to(topic, serdes): writes each record to a topic (key and value serialized, JSON by default;
 * windowed keys as {key, window}). Terminal: emits nothing. The worker commits the batch only
 * after these records are durable.
 */
import { json, producerValue, type Serde } from '../../core/serde/serde.js';
import { recordOperator } from '../operator.js';
import { markOperator, type SluiceOperator } from '../sluice-op.js';
import { currentTask } from '../task-scope.js';
import type { Rec } from '../types.js';

export function to<K, V>(topic: string, serdes: { key?: Serde<K>; value?: Serde<V> } = {}): SluiceOperator<Rec<K, V>, never> {
  const keySerde = serdes.key ?? (json() as Serde<K>);
  const valueSerde = serdes.value ?? (json() as Serde<V>);
  return markOperator<Rec<K, V>, never>({ kind: 'output', topic }, (source) => {
    const ctx = currentTask();
    const key = producerValue(keySerde);
    const value = producerValue(valueSerde);
    return recordOperator<Rec<K, V>, never>(ctx, {
      next: (r) => {
        ctx.send(topic, [{ key: r.key === null || r.key === undefined ? null : key(r.key), value: value(r.value), timestamp: r.timestamp, headers: r.headers }]);
      },
    })(source);
  });
}

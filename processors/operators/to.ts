/**
 * to(topic, serdes): writes each record to a topic (key and value serialized, JSON by default;
 * windowed keys as {key, window}). Terminal: emits nothing. The worker commits the batch only
 * after these records are durable.
 */
import type { ProducerRecord } from '../../core/client/types.js';
import { json, type Serde } from '../../core/serde/serde.js';
import { recordOperator } from '../operator.js';
import { markOperator, type SluiceOperator } from '../sluice-op.js';
import { currentTask } from '../task-scope.js';
import type { Rec } from '../types.js';

export function to<K, V>(topic: string, serdes: { key?: Serde<K>; value?: Serde<V> } = {}): SluiceOperator<Rec<K, V>, never> {
  const keySerde = serdes.key ?? (json() as Serde<K>);
  const valueSerde = serdes.value ?? (json() as Serde<V>);
  return markOperator<Rec<K, V>, never>({ kind: 'output', topic }, (source) => {
    const ctx = currentTask();
    // Text serdes (JSON, string) hand the producer strings: no Buffer per key and value.
    const key = keySerde.serializeText ? keySerde.serializeText.bind(keySerde) : keySerde.serialize.bind(keySerde);
    const value = valueSerde.serializeText ? valueSerde.serializeText.bind(valueSerde) : valueSerde.serialize.bind(valueSerde);
    const one: ProducerRecord[] = [];
    return recordOperator<Rec<K, V>, never>(ctx, {
      next: (r) => {
        one[0] = { key: r.key === null || r.key === undefined ? null : key(r.key), value: value(r.value), timestamp: r.timestamp, headers: r.headers };
        ctx.send(topic, one); // send copies the records out of the array
      },
    })(source);
  });
}

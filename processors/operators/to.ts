/**
 * to(topic, serdes): writes each record to a topic (key and value serialized, JSON by default;
 * windowed keys as {key, window}). A sink: the chain ends here. The worker commits the batch only
 * after these records are durable.
 */
import type { ProducerRecord } from '../../core/client/types.js';
import { json, producerValue, type Serde } from '../../core/serde/serde.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import { recordOperator } from '../operator.js';
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import { currentTask } from '../task-scope.js';
import type { Rec } from '../types.js';

/** Null keys and null values (tombstones) are written as null, whatever the serdes. */
export function to<K, V>(topic: string, serdes: { key?: Serde<K>; value?: Serde<V> } = {}): SluiceOperator<Rec<K | null, V | null>, never> {
  const keySerde = serdes.key ?? (json() as Serde<K>);
  const valueSerde = serdes.value ?? (json() as Serde<V>);
  const writer = (ctx: TaskContext) => {
    const key = producerValue(keySerde);
    const value = producerValue(valueSerde);
    // One array for every send: send() takes the records out of it during the call (TaskContext.send).
    const one: ProducerRecord[] = [];
    return recordOperator<Rec<K | null, V | null>, never>(ctx, {
      next: (r) => {
        one[0] = { key: r.key === null || r.key === undefined ? null : key(r.key as K), value: value(r.value as V), timestamp: r.timestamp, headers: r.headers };
        ctx.send(topic, one);
      },
    });
  };
  return sluiceOperator<Rec<K | null, V | null>, never>(
    { kind: 'to', stateless: true, writeToTopology: (b) => b.sink(topic, (t) => writer(t.ctx)) },
    // Outside a topology (inside your own operator run in a task) it writes through the current task.
    (source) => writer(currentTask())(source),
  );
}

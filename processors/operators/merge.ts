/**
 * merge(other): records of another (co-partitioned) topic join this stream at this point, in
 * timestamp order with the stream's own records (the topic becomes an input of the pipeline; the
 * worker hands a task's inputs over by timestamp).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { recordDecoder, type DecodeOptions } from '../record-decoder.js';
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import type { Rec } from '../types.js';

/** The other topic, with its serdes and timestamp extractor (as app.stream takes them). */
export interface MergeSource<K, V> extends DecodeOptions<K, V> {
  topic: string;
}

export function merge<K, V>(other: MergeSource<K, V>): SluiceOperator<Rec<K, V>, Rec<K, V>> {
  const decode = recordDecoder<K, V>(other);
  return sluiceOperator<Rec<K, V>, Rec<K, V>>({
    kind: 'merge',
    writeToTopology(b) {
      b.processor(
        (t) => {
          let emit: ((r: Rec<K, V>) => void) | null = null;
          t.onSideInput(other.topic, (r) => emit?.(decode(r)));
          const op: OperatorFunction<Rec<K, V>, Rec<K, V>> = (source) =>
            new Observable<Rec<K, V>>((subscriber) => {
              emit = (r) => subscriber.next(r);
              const sub = source.subscribe(subscriber);
              return () => {
                emit = null;
                sub.unsubscribe();
              };
            });
          return op;
        },
        { inputs: [other.topic] },
      );
    },
  });
}

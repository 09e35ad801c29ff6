/**
 * Turns a stored record into the DSL's typed record: key and value through their serdes (JSON by
 * default), event time from the record or the stream's extractor. Anything that fails — bytes
 * that do not deserialize, an unusable timestamp — throws a typed, non-retriable error, which the
 * calling operator hands to the task's error policy (dead-letter topic by default).
 *
 * A sub-topology whose operators never read the source's values (a count) decodes with
 * `withoutValue`: the value is left undecoded (undefined), so its bytes cannot be malformed from
 * the pipeline's point of view and cost nothing (topology/subtopology.ts decides).
 */
import { json, type Serde } from '../core/serde/serde.js';
import type { InputRecord } from '../core/worker/contracts.js';
import { InvalidTimestampError } from './errors.js';
import type { Rec } from './types.js';

export interface DecodeOptions<K, V> {
  key?: Serde<K>;
  value?: Serde<V>;
  /** Event time from the value (default: the record's timestamp). */
  timestamp?: (value: V, record: InputRecord) => number;
}

export interface RecordDecoder<K, V> {
  (r: InputRecord): Rec<K, V>;
  /** The same, leaving the value undecoded; absent when event time is read from the value. */
  withoutValue?: (r: InputRecord) => Rec<K, V>;
}

function checkedTime(timestamp: unknown, r: InputRecord): number {
  if (typeof timestamp !== 'number' || !(timestamp >= 0) || timestamp === Infinity) throw new InvalidTimestampError(timestamp, `${r.topic}/${r.partition}@${r.offset}`);
  return timestamp;
}

export function recordDecoder<K, V>(opts: DecodeOptions<K, V>): RecordDecoder<K, V> {
  const keySerde = opts.key ?? (json() as Serde<K>);
  const valueSerde = opts.value ?? (json() as Serde<V>);
  const extract = opts.timestamp;
  const decode: RecordDecoder<K, V> = (r) => {
    const value = valueSerde.deserialize(r.value);
    const key = r.key === null ? (null as K) : keySerde.deserialize(r.key);
    const timestamp = checkedTime(extract ? extract(value, r) : r.timestamp, r);
    return { key, value, timestamp, headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset };
  };
  if (!extract)
    decode.withoutValue = (r) => {
      const key = r.key === null ? (null as K) : keySerde.deserialize(r.key);
      return { key, value: undefined as V, timestamp: checkedTime(r.timestamp, r), headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset };
    };
  return decode;
}

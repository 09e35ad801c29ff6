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
import { BatchRecord } from '../core/log/record-batch.js';
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

/**
 * A field's reader: a record read lazily from a batch (BatchRecord) gives the serde the batch's
 * bytes and the field's range when the serde reads ranges, so no Buffer is made for it; any
 * other record, a serde without deserializeRange, or a field assigned since it was read (length
 * -2) goes through the field's Buffer and deserialize.
 */
export function fieldReader<T>(serde: Serde<T>, field: 'key' | 'value'): (r: InputRecord) => T {
  const range = serde.deserializeRange?.bind(serde);
  if (field === 'key')
    return (r) => {
      if (range !== undefined && r instanceof BatchRecord && r.keyLength >= -1) return r.keyLength < 0 ? (null as T) : range(r.batch.body, r.keyStart, r.keyStart + r.keyLength);
      const b = r.key;
      return b === null ? (null as T) : serde.deserialize(b);
    };
  return (r) => {
    if (range !== undefined && r instanceof BatchRecord && r.valueLength >= -1) return r.valueLength < 0 ? serde.deserialize(null) : range(r.batch.body, r.valueStart, r.valueStart + r.valueLength);
    return serde.deserialize(r.value);
  };
}

/** A plain copy of a lazy record (its toJSON), for code that may spread or serialize what it is given; any other record as it is. */
export function plainRecord(r: InputRecord): InputRecord {
  return r instanceof BatchRecord ? (r.toJSON() as InputRecord) : r;
}

export function recordDecoder<K, V>(opts: DecodeOptions<K, V>): RecordDecoder<K, V> {
  const keySerde = opts.key ?? (json() as Serde<K>);
  const valueSerde = opts.value ?? (json() as Serde<V>);
  const extract = opts.timestamp;
  const keyOf = fieldReader(keySerde, 'key');
  const valueOf = fieldReader(valueSerde, 'value');
  const decode: RecordDecoder<K, V> = (r) => {
    const value = valueOf(r);
    const key = keyOf(r);
    const timestamp = checkedTime(extract ? extract(value, plainRecord(r)) : r.timestamp, r);
    return { key, value, timestamp, headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset };
  };
  if (!extract)
    decode.withoutValue = (r) => {
      const key = keyOf(r);
      return { key, value: undefined as V, timestamp: checkedTime(r.timestamp, r), headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset };
    };
  return decode;
}

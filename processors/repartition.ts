/**
 * The internal repartition topic `<app>-<name>-repartition` that `groupByKey(fn)` writes to: each
 * record under its new key, so the default partitioner sends every record of a key to one
 * partition, hence one task of the pipeline that reads the topic.
 *
 * Keys and values are encoded with the serdes given to groupByKey, or else with the internal
 * codec: JSON, except that a Buffer is written as its raw bytes and marked by a header (removed
 * again when the record is read back), so `bytes()` streams keep their Buffers.
 */
import type { OperatorFunction } from 'rxjs';
import type { Serde } from '../core/serde/serde.js';
import type { InputRecord, TaskContext } from '../core/worker/contracts.js';
import { recordOperator } from './operator.js';
import { plainRecord, recordDecoder, type RecordDecoder } from './record-decoder.js';
import type { Rec } from './types.js';

export interface RepartitionSerdes {
  key?: Serde<unknown>;
  value?: Serde<unknown>;
}

const KEY_BYTES = 'sluice.repartition.key-bytes';
const VALUE_BYTES = 'sluice.repartition.value-bytes';

function encodeDefault(v: unknown): Buffer | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  return Buffer.from(JSON.stringify(v));
}

/** Writes each record to the repartition topic under its new key; emits nothing. */
export function repartitionSender(ctx: TaskContext, topic: string, keyOf: (r: Rec) => unknown, serdes: RepartitionSerdes): OperatorFunction<Rec, never> {
  return recordOperator<Rec, never>(ctx, {
    next(r) {
      const key = keyOf(r);
      let headers = r.headers;
      const keyBytes = serdes.key ? (key === null || key === undefined ? null : serdes.key.serialize(key)) : encodeDefault(key);
      const valueBytes = serdes.value ? serdes.value.serialize(r.value) : encodeDefault(r.value);
      if (!serdes.key && Buffer.isBuffer(key)) headers = { ...headers, [KEY_BYTES]: Buffer.alloc(0) };
      if (!serdes.value && Buffer.isBuffer(r.value)) headers = { ...headers, [VALUE_BYTES]: Buffer.alloc(0) };
      ctx.send(topic, [{ key: keyBytes, value: valueBytes, timestamp: r.timestamp, headers }]);
    },
  });
}

/** Reads records of a repartition topic back (the stream's timestamp was applied before writing). */
export function repartitionDecoder(serdes: RepartitionSerdes): RecordDecoder<unknown, unknown> {
  const json = recordDecoder<unknown, unknown>({ key: serdes.key, value: serdes.value });
  const reader = (values: boolean) => {
    const decode = values ? json : json.withoutValue!;
    return (r: InputRecord) => {
      const keyRaw = !serdes.key && r.headers[KEY_BYTES] !== undefined;
      const valueRaw = !serdes.value && r.headers[VALUE_BYTES] !== undefined;
      if (!keyRaw && !valueRaw) return decode(r);
      const headers = { ...r.headers };
      delete headers[KEY_BYTES];
      delete headers[VALUE_BYTES];
      // A lazy record's key, value, timestamp and offset are not own properties: spread its plain copy.
      const rest = decode({ ...plainRecord(r), key: keyRaw ? null : r.key, value: valueRaw ? null : r.value, headers });
      return { ...rest, key: keyRaw ? r.key : rest.key, value: valueRaw && values ? r.value : rest.value };
    };
  };
  const decode: RecordDecoder<unknown, unknown> = reader(true);
  decode.withoutValue = reader(false);
  return decode;
}

/**
 * The legacy message formats (magic 0 and 1, "MessageSet") that Produce v0–v2 carry and Fetch
 * v0–v3 return. Sluice stores only RecordBatch v2, so, as Kafka 3.x does with old clients, an
 * incoming MessageSet is converted into one RecordBatch v2, and a fetch in an old version gets the
 * stored batches down-converted.
 *
 *   message set: [offset i64, message_size i32, message]...
 *   message:     crc u32 (CRC-32 of magic..end), magic i8, attributes i8 (bits 0-2 codec,
 *                bit 3 LogAppendTime in magic 1), timestamp i64 (magic 1 only), key bytes, value bytes
 *   compressed:  a wrapper message whose value is the compressed inner message set (magic 1 inner
 *                offsets are relative, the wrapper carries the last one; nothing nests deeper).
 */
import { crc32 } from 'node:zlib';
import { CorruptRecordBatchError } from '../errors.js';
import { codecById } from './codecs.js';
import { decodeStoredBatches, encodeRecordBatch } from './record-batch.js';
import type { AppendRecord } from './types.js';

const LOG_OVERHEAD = 12;

function readMessages(buf: Buffer, now: number, out: AppendRecord[], depth: number): void {
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < LOG_OVERHEAD) {
      // A trailing partial message (clients may send one cut at the request size): ignored, as Kafka does.
      if (depth === 0 && out.length > 0) return;
      throw new CorruptRecordBatchError('message set ends inside a message header');
    }
    const size = buf.readInt32BE(pos + 8);
    const start = pos + LOG_OVERHEAD;
    const end = start + size;
    if (size < 14 || end > buf.length) {
      if (depth === 0 && out.length > 0 && end > buf.length) return;
      throw new CorruptRecordBatchError(`message at byte ${pos} has an impossible size ${size}`);
    }
    const crc = buf.readUInt32BE(start);
    if (crc32(buf.subarray(start + 4, end)) !== crc) throw new CorruptRecordBatchError(`message at byte ${pos} fails its CRC-32 check`);
    const magic = buf[start + 4]!;
    if (magic > 1) throw new CorruptRecordBatchError(`message at byte ${pos} has magic ${magic} inside a message set`);
    const attributes = buf[start + 5]!;
    let p = start + 6;
    let timestamp = now;
    if (magic === 1) {
      if (end - p < 8) throw new CorruptRecordBatchError('message too short for its timestamp');
      const ts = buf.readBigInt64BE(p);
      p += 8;
      if ((attributes & 0x08) === 0 && ts >= 0n) timestamp = Number(ts);
    }
    const field = (): Buffer | null => {
      if (end - p < 4) throw new CorruptRecordBatchError('message ends inside a length');
      const n = buf.readInt32BE(p);
      p += 4;
      if (n === -1) return null;
      if (n < 0 || p + n > end) throw new CorruptRecordBatchError(`message field length ${n} is impossible`);
      const b = buf.subarray(p, p + n);
      p += n;
      return b;
    };
    const key = field();
    const value = field();
    const codec = attributes & 0x07;
    if (codec === 0) out.push({ key, value, timestamp });
    else {
      if (depth > 0) throw new CorruptRecordBatchError('compressed message nested in a compressed message');
      if (!value) throw new CorruptRecordBatchError('compressed wrapper message without a value');
      const c = codecById(codec);
      if (!c) throw new CorruptRecordBatchError(`message set uses compression codec ${codec}, which Sluice cannot read`);
      let inner: Buffer;
      try {
        inner = c.decompress(value);
      } catch (err) {
        throw new CorruptRecordBatchError(`${c.name} data of a message set does not decompress: ${(err as Error).message}`);
      }
      readMessages(inner, timestamp, out, depth + 1);
    }
    pos = end;
  }
}

/**
 * Converts a MessageSet (magic 0 or 1, compressed or not) into one uncompressed RecordBatch v2.
 * Magic 0 records have no timestamp: they get `now`, as do LogAppendTime ones.
 */
export function messageSetToBatch(buf: Buffer, now: number): Buffer {
  const records: AppendRecord[] = [];
  readMessages(buf, now, records, 0);
  if (records.length === 0) throw new CorruptRecordBatchError('message set holds no message');
  return encodeRecordBatch(records, { now });
}

/**
 * Stored RecordBatch v2 buffers as an uncompressed MessageSet of the given magic, each record at its
 * own offset. Headers have no place in the old formats and are dropped; control batches yield nothing.
 */
export function batchesToMessageSet(batches: readonly Buffer[], magic: 0 | 1): Buffer {
  const { records } = decodeStoredBatches(batches, -1);
  let size = 0;
  for (const r of records) size += LOG_OVERHEAD + 14 + (magic === 1 ? 8 : 0) + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const r of records) {
    const start = pos + LOG_OVERHEAD;
    const bodyLen = 14 + (magic === 1 ? 8 : 0) + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    out.writeBigInt64BE(BigInt(r.offset), pos);
    out.writeInt32BE(bodyLen, pos + 8);
    let p = start + 4;
    out[p++] = magic;
    out[p++] = 0;
    if (magic === 1) {
      out.writeBigInt64BE(BigInt(r.timestamp), p);
      p += 8;
    }
    for (const f of [r.key, r.value]) {
      if (f === null) out.writeInt32BE(-1, p);
      else {
        out.writeInt32BE(f.length, p);
        f.copy(out, p + 4);
        p += f.length;
      }
      p += 4;
    }
    out.writeUInt32BE(crc32(out.subarray(start + 4, start + bodyLen)), start);
    pos = start + bodyLen;
  }
  return out;
}

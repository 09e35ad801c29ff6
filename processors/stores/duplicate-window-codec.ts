/**
 * The changelog (and Redis) bytes of a record in a window store that retains duplicates:
 *
 *   bytes 0-7    timestamp, float64 big-endian
 *   bytes 8-15   arrival sequence, float64 big-endian
 *   bytes 16-19  length n of the key text's UTF-8 bytes, uint32 big-endian
 *   then         the key text (n bytes), then the value serde's bytes (the rest)
 *
 * Binary, so any value serde round-trips (a `bytes()` value stays bytes). Records of one flush are
 * encoded into one buffer.
 *
 * The memory store packs several records into one changelog record (a chunk, changelog-chunks.ts),
 * each record laid out as
 *
 *   bytes 0-7    timestamp, float64 big-endian
 *   bytes 8-15   arrival sequence, float64 big-endian
 *   bytes 16-19  the record's slot (its identity in the store), uint32 big-endian
 *   bytes 20-23  length n of the key text's UTF-8 bytes, uint32 big-endian
 *   then         the key text (n bytes)
 *   then         length m of the value's bytes, uint32 big-endian, then the value (m bytes)
 */
import { SluiceError } from '../../core/errors.js';
import { view } from '../../core/log/record-batch.js';
import { utf8Length, writeUtf8 } from '../../core/serde/buffer-text.js';

const FIXED = 20;

/** A changelog record this version cannot read (another format, or cut short). */
export class ChangelogFormatError extends SluiceError {
  constructor(topic: string, key: string, why: string) {
    super('CHANGELOG_FORMAT', `changelog ${topic}, key ${key}: ${why}. It was not written by this version of Sluice's window store (with duplicates); to start the store afresh, stop the app and delete the topic ${topic}`);
  }
}

export interface TimedBytes {
  ts: number;
  seq: number;
  keyText: string;
}

/** A value's bytes (a string: its UTF-8 bytes, as text serdes write them). */
type ValueBytes = Buffer | string;

/** Strings up to this long are measured and copied by a JS loop when ASCII (a native call costs more). */
const SHORT = 64;

/** Writes a value's bytes (`len`: as measured); returns the position after them. Short bytes are copied by a loop (a native call costs more). */
function writeValue(arena: Buffer, pos: number, v: ValueBytes, len: number): number {
  if (typeof v === 'string') return writeUtf8(arena, pos, v, len, SHORT);
  if (len <= SHORT) for (let j = 0; j < len; j++) arena[pos + j] = v[j]!;
  else arena.set(v, pos);
  return pos + len;
}

/** The UTF-8 lengths of the records' key texts and values, and their total size with `fixed` bytes each. */
function measure(records: readonly TimedBytes[], values: readonly ValueBytes[], fixed: number): { keyLens: Int32Array; valueLens: Int32Array; size: number } {
  const n = records.length;
  const keyLens = new Int32Array(n);
  const valueLens = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const k = utf8Length(records[i]!.keyText, SHORT);
    const vl = typeof v === 'string' ? utf8Length(v, SHORT) : v.length;
    keyLens[i] = k;
    valueLens[i] = vl;
    size += fixed + k + vl;
  }
  return { keyLens, valueLens, size };
}

/**
 * Encodes records (with their values' bytes beside them) into one shared buffer; returns a view
 * per record. Every string is measured first (short ASCII ones by a loop), so the buffer is
 * exactly the records' size and each string is written once.
 */
export function encodeTimedRecords(records: readonly TimedBytes[], values: readonly ValueBytes[]): Buffer[] {
  const n = records.length;
  const { keyLens, valueLens, size } = measure(records, values, FIXED);
  const arena = Buffer.allocUnsafe(size);
  const out = new Array<Buffer>(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const v = values[i]!;
    const start = pos;
    arena.writeDoubleBE(r.ts, pos);
    arena.writeDoubleBE(r.seq, pos + 8);
    const keyLen = keyLens[i]!;
    arena.writeUInt32BE(keyLen, pos + 16);
    pos = writeUtf8(arena, pos + FIXED, r.keyText, keyLen, SHORT);
    pos = writeValue(arena, pos, v, valueLens[i]!);
    out[i] = view(arena, start, pos - start);
  }
  return out;
}

export function encodeTimedRecord(r: TimedBytes, value: ValueBytes): Buffer {
  return encodeTimedRecords([r], [value])[0]!;
}

/** A record of a chunk: what the store keeps of it besides its value. */
export interface ChunkedBytes extends TimedBytes {
  slot: number;
}

const CHUNK_FIXED = 28;

/**
 * Encodes records (with their values' bytes beside them) into chunks of at most `maxBytes` each
 * (a record larger than that alone; `maxBytes` 0: one record per chunk), all in one shared buffer:
 * each chunk's records are `records[from, to)`.
 */
export function encodeChunks(records: readonly ChunkedBytes[], values: readonly ValueBytes[], maxBytes: number): Array<{ from: number; to: number; bytes: Buffer }> {
  const n = records.length;
  const { keyLens, valueLens, size } = measure(records, values, CHUNK_FIXED);
  const arena = Buffer.allocUnsafe(size);
  // Numbers through a DataView (inlined by the compiler; Buffer's writeDoubleBE checks and copies in JS).
  const dv = new DataView(arena.buffer, arena.byteOffset, size);
  const out: Array<{ from: number; to: number; bytes: Buffer }> = [];
  let pos = 0;
  let chunkStart = 0;
  let from = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const v = values[i]!;
    const keyLen = keyLens[i]!;
    const valueLen = valueLens[i]!;
    if (i > from && pos - chunkStart + CHUNK_FIXED + keyLen + valueLen > maxBytes) {
      out.push({ from, to: i, bytes: view(arena, chunkStart, pos - chunkStart) });
      from = i;
      chunkStart = pos;
    }
    dv.setFloat64(pos, r.ts);
    dv.setFloat64(pos + 8, r.seq);
    dv.setUint32(pos + 16, r.slot);
    dv.setUint32(pos + 20, keyLen);
    pos = writeUtf8(arena, pos + 24, r.keyText, keyLen, SHORT);
    dv.setUint32(pos, valueLen);
    pos += 4;
    pos = writeValue(arena, pos, v, valueLen);
  }
  if (n > from) out.push({ from, to: n, bytes: view(arena, chunkStart, pos - chunkStart) });
  return out;
}

/** The records of a chunk; their values are views of `b`. */
export function decodeChunk(topic: string, key: string, b: Buffer): Array<ChunkedBytes & { value: Buffer }> {
  const out: Array<ChunkedBytes & { value: Buffer }> = [];
  let pos = 0;
  while (pos < b.length) {
    if (pos + CHUNK_FIXED > b.length) throw new ChangelogFormatError(topic, key, `a record at byte ${pos} of ${b.length} is cut short`);
    const keyLen = b.readUInt32BE(pos + 20);
    const keyEnd = pos + 24 + keyLen;
    if (keyEnd + 4 > b.length) throw new ChangelogFormatError(topic, key, `the key of the record at byte ${pos} runs past the end`);
    const valueLen = b.readUInt32BE(keyEnd);
    const end = keyEnd + 4 + valueLen;
    if (end > b.length) throw new ChangelogFormatError(topic, key, `the value of the record at byte ${pos} runs past the end`);
    out.push({ ts: b.readDoubleBE(pos), seq: b.readDoubleBE(pos + 8), slot: b.readUInt32BE(pos + 16), keyText: b.toString('utf8', pos + 24, keyEnd), value: b.subarray(keyEnd + 4, end) });
    pos = end;
  }
  return out;
}

export function decodeTimedRecord(topic: string, key: string, b: Buffer): { ts: number; seq: number; keyText: string; value: Buffer } {
  if (b.length < FIXED) throw new ChangelogFormatError(topic, key, `a record of ${b.length} bytes is too short`);
  const keyLen = b.readUInt32BE(16);
  if (FIXED + keyLen > b.length) throw new ChangelogFormatError(topic, key, 'the key runs past the end of the record');
  return { ts: b.readDoubleBE(0), seq: b.readDoubleBE(8), keyText: b.toString('utf8', FIXED, FIXED + keyLen), value: b.subarray(FIXED + keyLen) };
}

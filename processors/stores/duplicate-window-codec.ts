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
 * The memory store packs several records into one changelog record: chunk-codec.ts.
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
export type ValueBytes = Buffer | string;

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

export function decodeTimedRecord(topic: string, key: string, b: Buffer): { ts: number; seq: number; keyText: string; value: Buffer } {
  if (b.length < FIXED) throw new ChangelogFormatError(topic, key, `a record of ${b.length} bytes is too short`);
  const keyLen = b.readUInt32BE(16);
  if (FIXED + keyLen > b.length) throw new ChangelogFormatError(topic, key, 'the key runs past the end of the record');
  return { ts: b.readDoubleBE(0), seq: b.readDoubleBE(8), keyText: b.toString('utf8', FIXED, FIXED + keyLen), value: b.subarray(FIXED + keyLen) };
}

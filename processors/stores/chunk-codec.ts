/**
 * The bytes of a changelog chunk: several records of an in-memory window store with duplicates
 * in one changelog record (changelog-chunks.ts).
 *
 *   bytes 0-3    record count n, uint32 big-endian
 *   n × 28       per record: timestamp (float64), arrival sequence (float64), slot (uint32),
 *                UTF-8 length of its key text (uint32), length of its value's bytes (uint32)
 *   then         every record's key text, in record order
 *   then         every record's value bytes, in record order
 *
 * Keys and values sit apart from the fixed fields so that all keys, and each run of text values,
 * are written by one native call over their concatenation: a write per string (native, or a JS
 * loop per character) cost 300-600 ns per record, most of what encoding a chunk cost. When every
 * character is ASCII (the bytes written equal the characters) each string's length is its byte
 * length; otherwise each is measured.
 */
import { view } from '../../core/log/record-batch.js';
import { utf8Write } from '../../core/serde/buffer-text.js';
import { ChangelogFormatError, type TimedBytes, type ValueBytes } from './duplicate-window-codec.js';

/** A record of a chunk: what the store keeps of it besides its value. */
export interface ChunkedBytes extends TimedBytes {
  slot: number;
}

/**
 * A record to encode. Its value's bytes are given beside it (`values[i]`), or, when that is null,
 * are `rawBody[rawStart, rawEnd)`: bytes as read from a batch, logged without a Buffer made per value.
 */
export interface ChunkSource extends ChunkedBytes {
  readonly rawBody?: Buffer | null;
  readonly rawStart?: number;
  readonly rawEnd?: number;
}

/** A record read from a chunk: its value is `body[valueStart, valueEnd)` (no Buffer made per value). */
export interface DecodedChunkRecord extends ChunkedBytes {
  body: Buffer;
  valueStart: number;
  valueEnd: number;
  /** The chunk it was read from (-1: a record logged alone under its slot). */
  chunk: number;
}

/** A value to encode: its bytes, or null for the record's raw range. */
export type ChunkValue = ValueBytes | null;

const rawLength = (r: ChunkSource) => r.rawEnd! - r.rawStart!;

const FIXED = 28;

/**
 * Encodes records (with their values' bytes beside them) into chunks of about `maxBytes` each,
 * counting a character as a byte (a record larger than that alone; `maxBytes` 0: one record per
 * chunk): each chunk holds `records[from, to)`.
 */
export function encodeChunks(records: readonly ChunkSource[], values: readonly ChunkValue[], maxBytes: number): Array<{ from: number; to: number; bytes: Buffer }> {
  const out: Array<{ from: number; to: number; bytes: Buffer }> = [];
  let from = 0;
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const v = values[i]!;
    const len = FIXED + r.keyText.length + (v === null ? rawLength(r) : v.length);
    if (i > from && size + len > maxBytes) {
      out.push({ from, to: i, bytes: encodeChunk(records, values, from, i) });
      from = i;
      size = 0;
    }
    size += len;
  }
  if (records.length > from) out.push({ from, to: records.length, bytes: encodeChunk(records, values, from, records.length) });
  return out;
}

/**
 * Writes `text`, the concatenation of the strings `parts(i)` for i in [from, to), at `pos`, and
 * their UTF-8 lengths into `lens[i - from + lensAt]`; returns the position after them. All ASCII
 * (as many bytes as characters): each length is its string's. Otherwise each string is written
 * again on its own (UTF-8 of a concatenation can differ: lone surrogates may pair up).
 */
function writeText(arena: Buffer, pos: number, text: string, parts: ReadonlyArray<{ keyText: string }> | readonly ChunkValue[], asKeys: boolean, from: number, to: number, lens: Int32Array, lensAt: number): number {
  const written = utf8Write.call(arena, text, pos, arena.length - pos);
  if (written === text.length) {
    for (let i = from; i < to; i++) lens[lensAt + i - from] = asKeys ? (parts[i] as { keyText: string }).keyText.length : (parts[i] as string).length;
    return pos + written;
  }
  for (let i = from; i < to; i++) {
    const s = asKeys ? (parts[i] as { keyText: string }).keyText : (parts[i] as string);
    const n = utf8Write.call(arena, s, pos, arena.length - pos);
    lens[lensAt + i - from] = n;
    pos += n;
  }
  return pos;
}

/** Copies a value's bytes (`v`, or the record's raw range when null) to `pos`; its length into `lens[at]`. */
function copyBytes(arena: Buffer, pos: number, v: Buffer | null, r: ChunkSource, lens: Int32Array, at: number): number {
  const src = v ?? r.rawBody!;
  const start = v === null ? r.rawStart! : 0;
  const end = v === null ? r.rawEnd! : v.length;
  const len = end - start;
  lens[at] = len;
  // Short values by a loop: a native copy costs more than the bytes of a small JSON value.
  if (len <= 64) for (let j = 0; j < len; j++) arena[pos + j] = src[start + j]!;
  else arena.set(start === 0 && end === src.length ? src : src.subarray(start, end), pos);
  return pos + len;
}

function encodeChunk(records: readonly ChunkSource[], values: readonly ChunkValue[], from: number, to: number): Buffer {
  const n = to - from;
  // At most 3 bytes per UTF-16 unit.
  let bound = 4 + n * FIXED;
  let keys = '';
  for (let i = from; i < to; i++) {
    const r = records[i]!;
    const k = r.keyText;
    const v = values[i]!;
    keys += k;
    bound += 3 * k.length + (typeof v === 'string' ? 3 * v.length : v === null ? rawLength(r) : v.length);
  }
  const arena = Buffer.allocUnsafe(bound);
  const dv = new DataView(arena.buffer, arena.byteOffset, bound);
  const keyLens = new Int32Array(n);
  const valueLens = new Int32Array(n);
  let pos = writeText(arena, 4 + n * FIXED, keys, records, true, from, to, keyLens, 0);
  // Values: each run of text values in one write, bytes copied as they are.
  let run = '';
  let runFrom = from;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (typeof v === 'string') {
      run += v;
      continue;
    }
    if (i > runFrom) pos = writeText(arena, pos, run, values, false, runFrom, i, valueLens, runFrom - from);
    run = '';
    runFrom = i + 1;
    pos = copyBytes(arena, pos, v, records[i]!, valueLens, i - from);
  }
  if (to > runFrom) pos = writeText(arena, pos, run, values, false, runFrom, to, valueLens, runFrom - from);
  dv.setUint32(0, n);
  for (let i = 0, h = 4; i < n; i++, h += FIXED) {
    const r = records[from + i]!;
    dv.setFloat64(h, r.ts);
    dv.setFloat64(h + 8, r.seq);
    dv.setUint32(h + 16, r.slot);
    dv.setUint32(h + 20, keyLens[i]!);
    dv.setUint32(h + 24, valueLens[i]!);
  }
  return view(arena, 0, pos);
}

/** The records of chunk `chunk` (changelog key `key`); their values are ranges of `b`. */
export function decodeChunk(topic: string, key: string, b: Buffer, chunk: number): DecodedChunkRecord[] {
  if (b.length < 4) throw new ChangelogFormatError(topic, key, `a chunk of ${b.length} bytes is too short`);
  const n = b.readUInt32BE(0);
  let pos = 4 + n * FIXED;
  let total = pos;
  for (let h = 4; h < 4 + n * FIXED && h + FIXED <= b.length; h += FIXED) total += b.readUInt32BE(h + 20) + b.readUInt32BE(h + 24);
  if (total !== b.length) throw new ChangelogFormatError(topic, key, `a chunk of ${n} records should be ${total} bytes, not ${b.length}`);
  const out: DecodedChunkRecord[] = [];
  for (let h = 4; h < 4 + n * FIXED; h += FIXED) {
    const keyLen = b.readUInt32BE(h + 20);
    out.push({ ts: b.readDoubleBE(h), seq: b.readDoubleBE(h + 8), slot: b.readUInt32BE(h + 16), keyText: b.toString('utf8', pos, pos + keyLen), body: b, valueStart: 0, valueEnd: 0, chunk });
    pos += keyLen;
  }
  for (let i = 0, h = 4; i < n; i++, h += FIXED) {
    const r = out[i]!;
    r.valueStart = pos;
    pos += b.readUInt32BE(h + 24);
    r.valueEnd = pos;
  }
  return out;
}

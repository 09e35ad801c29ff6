/**
 * Kafka RecordBatch v2 — the one format of Sluice's segments and of the wire.
 *
 *   offset  field                  type
 *   0       baseOffset             int64
 *   8       batchLength            int32   bytes after this field
 *   12      partitionLeaderEpoch   int32
 *   16      magic                  int8    = 2
 *   17      crc                    uint32  CRC-32C of bytes [21, end)
 *   21      attributes             int16   bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd: ./codecs.ts), 3 timestamp type,
 *                                          4 transactional, 5 control
 *   23      lastOffsetDelta        int32
 *   27      firstTimestamp         int64
 *   35      maxTimestamp           int64
 *   43      producerId             int64
 *   51      producerEpoch          int16
 *   53      baseSequence           int32
 *   57      recordCount            int32
 *   61      records (compressed as a whole when compression ≠ 0)
 *
 *   record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 *           keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
 *           headerCount varint, [keyLength varint, key, valueLength varint, value]
 *
 * Exports: encodeRecordBatch (and its scratch-view twin encodeRecordBatchTransient), decodeRecordBatch, decodeRecordBatches, readBatchHeader,
 * validateBatch, validateBatches, setBaseOffset, batchEndOffset, BATCH_HEADER_SIZE.
 *
 * Speed (docs/notes/recordbatch.md): one pass into a reused scratch buffer with each record's length
 * computed arithmetically before it is written (no back-patching, no per-record buffers), a JS
 * loop for ASCII keys, Uint8Array.set for values, hardware CRC-32C, and on decode cheap Buffer
 * views instead of Buffer#subarray.
 */
import { CorruptRecordBatchError, UnsupportedCompressionError } from '../errors.js';
import { codecById, codecByName, readableCodecNames } from './codecs.js';
import { crc32c } from './crc32c.js';
import { ownCopy } from './transient-read.js';
import type { AppendRecord, Compression, LogRecord } from './types.js';
import { utf8Length, utf8Write } from '../serde/buffer-text.js';

export const BATCH_HEADER_SIZE = 61;
/** Offset of the batchLength field + its size: the batch is batchLength + 12 bytes long. */
export const LOG_OVERHEAD = 12;
const MAGIC = 2;
const CRC_START = 21;
const COMPRESSION_MASK = 0x07;

// ---------------------------------------------------------------------------------------------
// Varints (zigzag, as Kafka's ByteUtils). Numbers, never BigInt: values stay within 2^53.

function zigzag(n: number): number {
  // For 32-bit ints the bit trick; for wider values (timestamp deltas) float arithmetic.
  return n >= -0x40000000 && n < 0x40000000 ? ((n << 1) ^ (n >> 31)) >>> 0 : n >= 0 ? n * 2 : -n * 2 - 1;
}

function uvarSize(u: number): number {
  return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : u < 0x800000000 ? 5 : uvarSizeSlow(u);
}

function uvarSizeSlow(u: number): number {
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

function writeUvar(buf: Uint8Array, pos: number, u: number): number {
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u = u < 0x100000000 ? u >>> 7 : Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

// ---------------------------------------------------------------------------------------------
// Encoding

let scratch = Buffer.allocUnsafe(1 << 20);

/** Strings longer than this are written natively: a JS loop wins only on short ones (keys). */
const SHORT_STRING = 32;


/**
 * How a batch's strings are measured. A first pass takes every string's byte length to be its
 * length, as it is for ASCII text (keys, JSON written by JSON.stringify, result keys), and checks
 * that while it writes the string (short ones by the JS copy loop, long ones by the native
 * writer's byte count), which spares a scan or a native call per string. Any string whose UTF-8
 * is longer sets guessedWrong, and the batch is encoded again with measured lengths.
 */
let measure = false;
let guessedWrong = false;

/** How many records writeRecords wrote (all but those from the first that passed its stopAt). */
let written = 0;

/** UTF-8 byte length of a string: its length in the first pass (see measure), measured in the second. */
function strBytes(s: string): number {
  return measure ? utf8Length(s, SHORT_STRING) : s.length;
}

function writeStr(buf: Buffer, pos: number, s: string, byteLen: number): number {
  if (byteLen === s.length && byteLen <= SHORT_STRING) {
    // ASCII is checked while copying: the OR of all units is over 0x7f only if one is.
    let seen = 0;
    for (let i = 0; i < byteLen; i++) {
      const c = s.charCodeAt(i);
      seen |= c;
      buf[pos + i] = c;
    }
    if (seen > 0x7f) guessedWrong = true;
  } else if (utf8Write.call(buf, s, pos, buf.length - pos) !== byteLen) {
    guessedWrong = true; // the string was not ASCII: the batch is encoded again
  }
  return pos + byteLen;
}

function fieldLen(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return -1;
  return typeof v === 'string' ? strBytes(v) : v.length;
}

function writeField(buf: Buffer, pos: number, v: Buffer | string | null | undefined, len: number): number {
  if (len < 0) return pos;
  if (typeof v === 'string') return writeStr(buf, pos, v, len);
  buf.set(v as Buffer, pos);
  return pos + len;
}

export interface EncodeOptions {
  baseOffset?: number;
  /** Timestamp for records that carry none. */
  now: number;
  compression?: Compression;
  /** The codec's level (compression.gzip.level / compression.zstd.level); undefined: its default. */
  compressionLevel?: number;
  /** Kafka's timestamp type bit: false = CreateTime (the default), true = LogAppendTime. */
  logAppendTime?: boolean;
  /** Explicit, increasing offsets (compaction keeps records' offsets, leaving gaps). */
  offsets?: readonly number[];
}

/**
 * Encodes records as one RecordBatch v2 and returns an owned Buffer. The offsets are
 * baseOffset..baseOffset+n-1 (the log rewrites baseOffset on append).
 */
export function encodeRecordBatch(records: readonly AppendRecord[], opts: EncodeOptions): Buffer {
  const b = encodeRecordBatchTransient(records, opts) as Buffer;
  return b.buffer === scratch.buffer ? Buffer.from(b) : b;
}

/**
 * The same batch as encodeRecordBatch, but uncompressed batches are a view of a scratch buffer
 * that the next encode overwrites: for a caller that writes the bytes out at once (the log's
 * append), which spares a copy of every batch and the garbage of a fresh buffer per append.
 *
 * With `maxBytes`, an uncompressed batch that would be larger is given up and null is returned
 * (the caller splits the records): before encoding when its keys and values alone are larger,
 * else as soon as its encoding passes that size, so a send far over max.message.bytes costs at
 * most the encoding of the limit's worth, and the caller needs no pass of its own over the
 * records to measure them first.
 */
export function encodeRecordBatchTransient(records: readonly AppendRecord[], opts: EncodeOptions): Buffer;
export function encodeRecordBatchTransient(records: readonly AppendRecord[], opts: EncodeOptions, maxBytes: number): Buffer | null;
export function encodeRecordBatchTransient(records: readonly AppendRecord[], opts: EncodeOptions, maxBytes = Infinity): Buffer | null {
  const n = records.length;
  if (n === 0) throw new RangeError('a record batch needs at least one record');
  // Kafka takes the first record's timestamp as the base; deltas may be negative.
  const baseTs = records[0]!.timestamp ?? opts.now;
  const offsets = opts.offsets;
  const codec = opts.compression && opts.compression !== 'none' ? codecByName(opts.compression) : undefined;
  if (opts.compression && opts.compression !== 'none' && !codec) throw new UnsupportedCompressionError(-1, readableCodecNames());
  // A compressed batch's size is known only once compressed: the caller checks it then.
  const stopAt = codec ? Infinity : maxBytes;

  // A first, light walk for the largest timestamp and the keys' and values' sizes. Its loads do
  // not wait on each other, so it brings records scattered in memory (a send split over
  // partitions) into the cache with many misses in flight; the writing loop, whose loads wait on
  // each other, then finds them there (measured: hash-partitioned batches of ~83 records 0.33 ->
  // 0.27 CPU s per million without it and with it). A send whose keys and values alone are over
  // maxBytes is given up here, before any encoding.
  let maxTs = -Infinity;
  let payload = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const t = r.timestamp ?? opts.now;
    if (t > maxTs) maxTs = t;
    payload += (r.key?.length ?? 0) + (r.value?.length ?? 0);
  }
  if (payload > stopAt) return null;

  const pos = writeBatchRecords(records, 0, opts, baseTs, 0, stopAt);
  if (written < n) return null;
  const buf = scratch;

  let out: Buffer;
  let attributes = opts.logAppendTime ? 0x08 : 0;
  if (codec) {
    const compressed = codec.compress(buf.subarray(BATCH_HEADER_SIZE, pos), opts.compressionLevel);
    out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
    compressed.copy(out, BATCH_HEADER_SIZE);
    attributes |= codec.id;
  } else {
    out = buf.subarray(0, pos);
  }
  writeBatchHeader(out, offsets ? offsets[0]! : (opts.baseOffset ?? 0), attributes, offsets ? offsets[n - 1]! - offsets[0]! : n - 1, baseTs, maxTs, n);
  return out;
}

/**
 * Uncompressed records as consecutive batches of at most `limit` bytes each, in one view of the
 * scratch buffer (overwritten by the next encode, as encodeRecordBatchTransient's): for a send
 * over max.message.bytes (a task's outputs of a large poll), which is then written as it is,
 * without a buffer per batch and a copy to join them. The rare path: a send that fits one batch
 * goes through encodeRecordBatchTransient, whose first walk brings scattered records into the
 * cache.
 * Null when one record alone is over the limit (the caller reports it) or when given `offsets`
 * or a codec (a compressed batch's size is known only once compressed).
 */
export function encodeRecordBatchesTransient(records: readonly AppendRecord[], opts: EncodeOptions, limit: number): Buffer | null {
  const n = records.length;
  if (opts.offsets || (opts.compression && opts.compression !== 'none')) return null;
  if (n === 0) throw new RangeError('a record batch needs at least one record');
  const baseOffset = opts.baseOffset ?? 0;
  const attributes = opts.logAppendTime ? 0x08 : 0;
  let at = 0;
  let from = 0;
  while (from < n) {
    const baseTs = records[from]!.timestamp ?? opts.now;
    const end = writeBatchRecords(records, from, opts, baseTs, at, at + limit);
    const count = written;
    if (count === 0) return null;
    let maxTs = -Infinity;
    for (let i = from; i < from + count; i++) {
      const t = records[i]!.timestamp ?? opts.now;
      if (t > maxTs) maxTs = t;
    }
    writeBatchHeader(scratch.subarray(at, end), baseOffset + from, attributes, count - 1, baseTs, maxTs, count);
    at = end;
    from += count;
  }
  return scratch.subarray(0, at);
}

/**
 * The records from `from` on, after a batch header at `at` of the scratch buffer, up to the
 * first whose end would pass `stopAt`; leaves how many were written in `written`. A first pass
 * guesses string lengths (see measure); a wrong guess writes them again measured.
 */
function writeBatchRecords(records: readonly AppendRecord[], from: number, opts: EncodeOptions, baseTs: number, at: number, stopAt: number): number {
  measure = false;
  guessedWrong = false;
  let pos = writeRecords(records, from, opts, baseTs, at, stopAt);
  if (guessedWrong) {
    measure = true;
    pos = writeRecords(records, from, opts, baseTs, at, stopAt);
    measure = false;
  }
  return pos;
}

/** The batch header of `out` (a batch whose records are written after it), its CRC last. */
function writeBatchHeader(out: Buffer, baseOffset: number, attributes: number, lastOffsetDelta: number, baseTs: number, maxTs: number, count: number): void {
  writeInt64(out, 0, baseOffset);
  out.writeInt32BE(out.length - LOG_OVERHEAD, 8);
  out.writeInt32BE(-1, 12); // partition leader epoch: none (single node)
  out[16] = MAGIC;
  out.writeInt16BE(attributes, 21);
  out.writeInt32BE(lastOffsetDelta, 23);
  writeInt64(out, 27, baseTs);
  writeInt64(out, 35, maxTs);
  writeInt64(out, 43, -1); // producerId: not idempotent
  out.writeInt16BE(-1, 51);
  out.writeInt32BE(-1, 53);
  out.writeInt32BE(count, 57);
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)), 17);
}

/**
 * Grows the scratch buffer to hold at least `need` bytes, keeping the `used` bytes written so far.
 * Each record checks its own upper bound before it is written, so the batch needs no pass of its
 * own to size the buffer.
 */
function growScratch(used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  scratch.copy(bigger, 0, 0, used);
  scratch = bigger;
  return bigger;
}

/**
 * Writes the records from `from` on after a batch header at `at` of the scratch buffer in one
 * pass; returns the end position. A record whose end passes stopAt is not kept: the position
 * before it is returned, and `written` says how many were. The one-byte varints (attributes, small deltas and lengths) are written inline and the headers in
 * a function of their own: with everything inlined V8 ran out of inlining budget and left the
 * varint helpers as calls.
 */
function writeRecords(records: readonly AppendRecord[], from: number, opts: EncodeOptions, baseTs: number, at: number, stopAt: number): number {
  const n = records.length;
  const offsets = opts.offsets;
  const first = offsets ? offsets[from]! : from;
  const now = opts.now;
  let buf: Buffer = scratch;
  let cap = buf.length;
  let pos = at + BATCH_HEADER_SIZE;
  for (let i = from; i < n; i++) {
    const start = pos;
    const r = records[i]!;
    const key = r.key;
    const value = r.value;
    const keyLen = key === null || key === undefined ? -1 : typeof key === 'string' ? strBytes(key) : key.length;
    const valueLen = value === null || value === undefined ? -1 : typeof value === 'string' ? strBytes(value) : value.length;
    const ts = r.timestamp;
    const tsDelta = zigzag((ts === undefined || ts === null ? now : ts) - baseTs);
    const offDeltaZ = zigzag((offsets ? offsets[i]! : i) - first);
    const keyLenZ = keyLen < 0 ? 1 : keyLen * 2;
    const valueLenZ = valueLen < 0 ? 1 : valueLen * 2;
    const headers = r.headers;
    const headersLen = headers ? headersSize(headers) : 1; // 1: the header count 0
    const bodyLen =
      1 +
      (tsDelta < 0x80 ? 1 : uvarSize(tsDelta)) +
      (offDeltaZ < 0x80 ? 1 : uvarSize(offDeltaZ)) +
      (keyLenZ < 0x80 ? 1 : uvarSize(keyLenZ)) +
      (keyLen > 0 ? keyLen : 0) +
      (valueLenZ < 0x80 ? 1 : uvarSize(valueLenZ)) +
      (valueLen > 0 ? valueLen : 0) +
      headersLen;
    // Room for the record at most: its length varint, and a first pass's guessed string lengths
    // (one byte per UTF-16 unit) may be short by up to 2 bytes per unit; headers hold less
    // string than their guessed size.
    const room = pos + 5 + bodyLen + (measure ? 0 : roughExtra(key) + roughExtra(value) + (headers ? 2 * headersLen : 0));
    if (room > cap) {
      buf = growScratch(pos, room);
      cap = buf.length;
    }
    pos = writeUvar(buf, pos, bodyLen * 2);
    buf[pos++] = 0; // record attributes: unused
    if (tsDelta < 0x80) buf[pos++] = tsDelta;
    else pos = writeUvar(buf, pos, tsDelta);
    if (offDeltaZ < 0x80) buf[pos++] = offDeltaZ;
    else pos = writeUvar(buf, pos, offDeltaZ);
    if (keyLenZ < 0x80) buf[pos++] = keyLenZ;
    else pos = writeUvar(buf, pos, keyLenZ);
    if (keyLen > 0) pos = writeField(buf, pos, key, keyLen);
    if (valueLenZ < 0x80) buf[pos++] = valueLenZ;
    else pos = writeUvar(buf, pos, valueLenZ);
    if (valueLen > 0) pos = writeField(buf, pos, value, valueLen);
    if (headers) pos = writeHeaders(buf, pos, headers);
    else buf[pos++] = 0; // no headers
    if (pos > stopAt) {
      written = i - from;
      return start;
    }
  }
  written = n - from;
  return pos;
}

/** Bytes a string's UTF-8 may take beyond its length (a first pass counts one per UTF-16 unit): 0 for a Buffer. */
function roughExtra(v: Buffer | string | null | undefined): number {
  return typeof v === 'string' ? v.length * 2 : 0;
}

/** The header count headersSize last found, for writeHeaders on the same record (one walk of the object fewer). */
let headerCount = 0;

/** Bytes of a record's header count and headers; leaves their count in headerCount. */
function headersSize(headers: Record<string, Buffer | string>): number {
  let count = 0;
  let len = 0;
  for (const hk in headers) {
    const hkLen = strBytes(hk);
    const hvLen = fieldLen(headers[hk]);
    len += uvarSize(hkLen * 2) + hkLen + (hvLen < 0 ? 1 : uvarSize(hvLen * 2) + hvLen);
    count++;
  }
  headerCount = count;
  return uvarSize(count * 2) + len;
}

/** Writes the headers headersSize has just measured (their count is headerCount). */
function writeHeaders(buf: Buffer, pos: number, headers: Record<string, Buffer | string>): number {
  pos = writeUvar(buf, pos, headerCount * 2);
  for (const hk in headers) {
    const hkLen = strBytes(hk);
    const hv = headers[hk];
    const hvLen = fieldLen(hv);
    pos = writeUvar(buf, pos, hkLen * 2);
    pos = writeStr(buf, pos, hk, hkLen);
    pos = writeUvar(buf, pos, hvLen < 0 ? 1 : hvLen * 2);
    pos = writeField(buf, pos, hv, hvLen);
  }
  return pos;
}

function writeInt64(buf: Buffer, pos: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(v - hi * 0x100000000, pos + 4);
}

function readInt64(buf: Uint8Array, pos: number): number {
  const hi = (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
  const lo = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0;
  return hi * 0x100000000 + lo;
}

function readInt32(buf: Uint8Array, pos: number): number {
  return (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
}

// ---------------------------------------------------------------------------------------------
// Header access and validation

export interface BatchHeader {
  baseOffset: number;
  /** Total size of the batch in bytes (batchLength + 12). */
  size: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  isControl: boolean;
}

/** Reads the header of the batch at `pos`. The caller checks that 61 bytes are there. */
export function readBatchHeader(buf: Uint8Array, pos = 0): BatchHeader {
  const attributes = (buf[pos + 21]! << 8) | buf[pos + 22]!;
  return {
    baseOffset: readInt64(buf, pos),
    size: readInt32(buf, pos + 8) + LOG_OVERHEAD,
    magic: buf[pos + 16]! << 24 >> 24,
    crc: readInt32(buf, pos + 17) >>> 0,
    attributes,
    compression: attributes & COMPRESSION_MASK,
    lastOffsetDelta: readInt32(buf, pos + 23),
    firstTimestamp: readInt64(buf, pos + 27),
    maxTimestamp: readInt64(buf, pos + 35),
    producerId: readInt64(buf, pos + 43),
    producerEpoch: (buf[pos + 51]! << 24) >> 16 | buf[pos + 52]!,
    baseSequence: readInt32(buf, pos + 53),
    recordCount: readInt32(buf, pos + 57),
    isControl: (attributes & 0x20) !== 0,
  };
}

/** Base offset of the batch at pos. */
export function batchBaseOffset(buf: Uint8Array, pos = 0): number {
  return readInt64(buf, pos);
}

/** The offset after the last record of the batch at pos. */
export function batchEndOffset(buf: Uint8Array, pos = 0): number {
  return readInt64(buf, pos) + readInt32(buf, pos + 23) + 1;
}

export function batchMaxTimestamp(buf: Uint8Array, pos = 0): number {
  return readInt64(buf, pos + 35);
}

/** Size of the batch at pos, or -1 when fewer than 12 bytes remain. */
export function batchSizeAt(buf: Uint8Array, pos: number, end: number): number {
  if (end - pos < LOG_OVERHEAD) return -1;
  return readInt32(buf, pos + 8) + LOG_OVERHEAD;
}

export function setBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  writeInt64(buf, pos, baseOffset);
}

/**
 * Marks the batch at pos as LogAppendTime (attribute bit 3) with `now` as its max timestamp, which
 * readers then give every record (Kafka's message.timestamp.type=LogAppendTime), and renews its CRC.
 */
export function stampLogAppendTime(buf: Buffer, pos: number, now: number): void {
  const size = readInt32(buf, pos + 8) + LOG_OVERHEAD;
  buf.writeInt16BE(buf.readInt16BE(pos + 21) | 0x08, pos + 21);
  writeInt64(buf, pos + 35, now);
  buf.writeUInt32BE(crc32c(buf.subarray(pos + CRC_START, pos + size)), pos + 17);
}

/**
 * Checks one batch at pos: enough bytes, a sane length, magic 2, CRC-32C. Returns its size;
 * throws CorruptRecordBatchError saying what is wrong.
 */
export function validateBatch(buf: Buffer, pos: number, end = buf.length): number {
  if (end - pos < BATCH_HEADER_SIZE) throw new CorruptRecordBatchError(`record batch at byte ${pos} is truncated: ${end - pos} bytes, a header needs ${BATCH_HEADER_SIZE}`);
  const size = readInt32(buf, pos + 8) + LOG_OVERHEAD;
  if (size < BATCH_HEADER_SIZE) throw new CorruptRecordBatchError(`record batch at byte ${pos} has an impossible length ${size - LOG_OVERHEAD}`);
  if (pos + size > end) throw new CorruptRecordBatchError(`record batch at byte ${pos} claims ${size} bytes but only ${end - pos} remain`);
  const magic = buf[pos + 16];
  if (magic !== MAGIC) throw new CorruptRecordBatchError(`record batch at byte ${pos} has magic ${magic}; only RecordBatch v2 (magic 2) is supported`);
  const stored = readInt32(buf, pos + 17) >>> 0;
  const actual = crc32c(buf.subarray(pos + CRC_START, pos + size));
  if (stored !== actual) throw new CorruptRecordBatchError(`record batch at byte ${pos} fails its CRC-32C check (stored ${stored}, computed ${actual})`);
  const count = readInt32(buf, pos + 57);
  const lastDelta = readInt32(buf, pos + 23);
  if (count < 0 || lastDelta < 0) throw new CorruptRecordBatchError(`record batch at byte ${pos} has a negative record count or offset delta`);
  return size;
}

/** Validates every batch of a buffer of concatenated batches; returns the batch positions. */
export function validateBatches(buf: Buffer): number[] {
  const positions: number[] = [];
  let pos = 0;
  if (buf.length === 0) throw new CorruptRecordBatchError('no record batch given');
  while (pos < buf.length) {
    positions.push(pos);
    pos += validateBatch(buf, pos);
  }
  return positions;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * A Buffer-compatible view built without Buffer#subarray's JS overhead (about 18 ns against 46 ns):
 * a Uint8Array subclass whose prototype chain includes Buffer.prototype, so Buffer.isBuffer,
 * toString, equals and the read* methods all work.
 */
const View = (() => class extends Uint8Array {})(); // anonymous on purpose: see below
Object.setPrototypeOf(View.prototype, Buffer.prototype);
// tsx (which runs the CLI and `npm run bench` from the sources) compiles with esbuild's
// keepNames, which redefines the `name` of every named class. A typed-array subclass whose
// `name` was redefined constructs about 5x slower in V8 (measured: 110 ns against 22 ns), and
// every decoded record makes two views. An anonymous class made by a function keeps no name to
// redefine.

/** A Buffer over buf[start, start + len), made as cheaply as V8 allows (see View); also for ./record-cursor.ts. */
export function view(buf: Uint8Array, start: number, len: number): Buffer {
  return new View(buf.buffer as ArrayBuffer, buf.byteOffset + start, len) as unknown as Buffer;
}

// Module-level read position keeps the varint readers small and inlinable.
let rp = 0;

function readUvar(buf: Uint8Array): number {
  let b = buf[rp++]!;
  if (b < 0x80) return b;
  let result = b & 0x7f;
  let shift = 7;
  do {
    b = buf[rp++]!;
    if (shift < 28) result |= (b & 0x7f) << shift;
    else result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b >= 0x80 && shift < 70);
  if (b >= 0x80) throw new CorruptRecordBatchError('varint longer than 10 bytes');
  return result;
}

function readVar(buf: Uint8Array): number {
  const u = readUvar(buf);
  if (u < 0x80000000) return (u >>> 1) ^ -(u & 1);
  // Wide values (long timestamp deltas): float zigzag decode.
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

class DecodedRecord implements LogRecord {
  /**
   * Set by a consumer that hands the record on as an InputRecord (the worker stamps the origin in
   * place). Declared here so that stamping fills slots of the object instead of growing a
   * separate property store for every record.
   */
  constructor(
    public key: Buffer | null,
    public value: Buffer | null,
    public headers: Record<string, Buffer>,
    public timestamp: number,
    public offset: number,
    public topic: string | undefined,
    public partition: number | undefined,
  ) {}
}

/** What the records of one decoded batch share: its (decompressed) record bytes and header fields. */
export class BatchBytes {
  constructor(
    /** The records' bytes: the batch's own copy, or its decompressed body. */
    readonly body: Buffer,
    readonly baseOffset: number,
    readonly firstTimestamp: number,
    /** LogAppendTime: every record has the batch's max timestamp (Kafka's timestamp type bit). */
    readonly logAppendTime: boolean,
    readonly maxTimestamp: number,
    readonly topic: string | undefined,
    readonly partition: number | undefined,
  ) {}
}

/** An own data property in place of the prototype's accessor: what a setter of BatchRecord assigns. */
function own(r: object, name: string, value: unknown): void {
  Object.defineProperty(r, name, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A record of a batch that makes its key and value Buffers, and its timestamp and offset numbers,
 * only when they are read: it holds the batch's shared BatchBytes and small-integer positions.
 * A pipeline that never reads a value (a count) or reads key and value straight from the bytes
 * (processors/record-decoder.ts with a serde's deserializeRange) makes no view at all, and
 * a batch of 50 000 records is 50 000 objects instead of 200 000 (record, two views, a boxed
 * timestamp), which the young generation's copying made P2's largest cost.
 *
 * The accessors are on the prototype, so `{ ...r }`, Object.keys, JSON.stringify and
 * structuredClone do not see key, value, timestamp or offset: the log hands these records out
 * only when asked (DecodeOptions.lazy), which the worker does for DSL pipelines, whose code
 * reads records by field only. Assigning one of them makes it an own property of the record.
 * Every read of `key` or `value` makes a new view (equal bytes, not the same object).
 */
export class BatchRecord implements LogRecord {
  constructor(
    readonly batch: BatchBytes,
    /** Where the key's bytes start in batch.body, and their length: -1 a null key, -2 a key assigned since (read `key`). */
    public keyStart: number,
    public keyLength: number,
    /** As keyStart and keyLength, for the value. */
    public valueStart: number,
    public valueLength: number,
    private readonly timestampDelta: number,
    private readonly offsetDelta: number,
    public headers: Record<string, Buffer>,
  ) {}

  get key(): Buffer | null {
    return this.keyLength < 0 ? null : view(this.batch.body, this.keyStart, this.keyLength);
  }
  set key(v: Buffer | null) {
    this.keyLength = -2;
    own(this, 'key', v);
  }

  get value(): Buffer | null {
    return this.valueLength < 0 ? null : view(this.batch.body, this.valueStart, this.valueLength);
  }
  set value(v: Buffer | null) {
    this.valueLength = -2;
    own(this, 'value', v);
  }

  get timestamp(): number {
    const b = this.batch;
    return b.logAppendTime ? b.maxTimestamp : b.firstTimestamp + this.timestampDelta;
  }
  set timestamp(v: number) {
    own(this, 'timestamp', v);
  }

  get offset(): number {
    return this.batch.baseOffset + this.offsetDelta;
  }
  set offset(v: number) {
    own(this, 'offset', v);
  }

  get topic(): string | undefined {
    return this.batch.topic;
  }
  set topic(v: string | undefined) {
    own(this, 'topic', v);
  }

  get partition(): number | undefined {
    return this.batch.partition;
  }
  set partition(v: number | undefined) {
    own(this, 'partition', v);
  }

  /** The record as a plain object (JSON.stringify uses it; a spread does not). */
  toJSON(): LogRecord & { topic?: string; partition?: number } {
    return { key: this.key, value: this.value, headers: this.headers, timestamp: this.timestamp, offset: this.offset, topic: this.topic, partition: this.partition };
  }
}

const NO_HEADERS: Record<string, Buffer> = Object.freeze({}) as Record<string, Buffer>;

export interface DecodeOptions {
  /** Check the CRC-32C (default true). */
  verifyCrc?: boolean;
  /** Skip records below this offset. */
  fromOffset?: number;
  /** The partition the batch was read from, given to every record (a consumer's records carry it; the worker would otherwise set it record by record). */
  topic?: string;
  partition?: number;
  /** Records that make key, value and timestamp only when read (BatchRecord): for readers audited not to spread or serialize records. */
  lazy?: boolean;
}

/** Decodes the batch at pos (default 0) into records, appending to `out`. Control batches yield nothing. */
export function decodeRecordBatch(buf: Buffer, pos = 0, opts: DecodeOptions = {}, out: LogRecord[] = []): LogRecord[] {
  const size = opts.verifyCrc === false ? readInt32(buf, pos + 8) + LOG_OVERHEAD : validateBatch(buf, pos);
  const attributes = (buf[pos + 21]! << 8) | buf[pos + 22]!;
  if (attributes & 0x20) return out; // control batch (transaction markers): no user records
  const baseOffset = readInt64(buf, pos);
  const firstTs = readInt64(buf, pos + 27);
  const maxTs = readInt64(buf, pos + 35);
  const logAppendTime = (attributes & 0x08) !== 0;
  const count = readInt32(buf, pos + 57);
  const from = opts.fromOffset ?? -1;
  const topic = opts.topic;
  const partition = opts.partition;
  const lazy = opts.lazy === true;
  let body: Uint8Array = buf;
  let end = pos + size;
  rp = pos + BATCH_HEADER_SIZE;
  const compression = attributes & COMPRESSION_MASK;
  if (compression !== 0) {
    const codec = codecById(compression);
    if (!codec) throw new UnsupportedCompressionError(compression, readableCodecNames());
    try {
      body = codec.decompress(buf.subarray(rp, end));
    } catch (err) {
      throw new CorruptRecordBatchError(`record batch at offset ${baseOffset} does not decompress with ${codec.name}: ${(err as Error).message}`);
    }
    rp = 0;
    end = body.length;
  }
  const shared = lazy ? new BatchBytes(Buffer.isBuffer(body) ? body : view(body, 0, body.length), baseOffset, firstTs, logAppendTime, maxTs, topic, partition) : undefined;
  for (let i = 0; i < count; i++) {
    if (rp >= end) throw new CorruptRecordBatchError(`record batch at offset ${baseOffset} ends after ${i} of ${count} records`);
    const len = readVar(body);
    const recEnd = rp + len;
    rp++; // attributes
    const tsDelta = readVar(body);
    const offDelta = readVar(body);
    const offset = baseOffset + offDelta;
    if (offset < from) {
      rp = recEnd;
      continue;
    }
    const keyLen = readVar(body);
    const keyStart = rp;
    if (keyLen > 0) rp += keyLen;
    const valueLen = readVar(body);
    const valueStart = rp;
    if (valueLen > 0) rp += valueLen;
    const hc = readVar(body);
    let headers = NO_HEADERS;
    if (hc > 0) {
      headers = {};
      for (let h = 0; h < hc; h++) {
        const hkLen = readVar(body);
        const hk = Buffer.prototype.toString.call(body, 'utf8', rp, rp + hkLen);
        rp += hkLen;
        const hvLen = readVar(body);
        headers[hk] = hvLen >= 0 ? view(body, rp, hvLen) : Buffer.alloc(0);
        if (hvLen > 0) rp += hvLen;
      }
    }
    if (rp !== recEnd) throw new CorruptRecordBatchError(`record at offset ${offset} has length ${len} but its fields take ${len + rp - recEnd}`);
    if (shared !== undefined) out.push(new BatchRecord(shared, keyStart, keyLen < 0 ? -1 : keyLen, valueStart, valueLen < 0 ? -1 : valueLen, tsDelta, offDelta, headers));
    else
      out.push(
        new DecodedRecord(
          keyLen >= 0 ? view(body, keyStart, keyLen) : null,
          valueLen >= 0 ? view(body, valueStart, valueLen) : null,
          headers,
          logAppendTime ? maxTs : firstTs + tsDelta,
          offset,
          topic,
          partition,
        ),
      );
  }
  return out;
}

export interface StoredDecodeOptions {
  /** Check each batch's CRC-32C (Kafka's consumer check.crcs); default false: the log checked it on append and recovery. */
  verifyCrc?: boolean;
  /** Told about each batch that cannot be read (bad CRC, bad records, unknown codec); the batch is skipped. */
  onCorrupt?: (info: { baseOffset: number; endOffset: number; error: string }) => void;
  /** The partition read (DecodeOptions' topic and partition). */
  topic?: string;
  partition?: number;
  /** Lazy records (DecodeOptions.lazy). */
  lazy?: boolean;
  /** The batches are views of a buffer about to be reused (./transient-read.ts): each batch decoded is copied first, so its records point into memory of their own. */
  transient?: boolean;
}

/**
 * Records of whole batches read from the log, from `fromOffset` on, at most `maxRecords`. A batch
 * that cannot be decoded is reported and skipped, never thrown: a reader moves on past it. `next`
 * is the offset after the last record returned, or after the last batch looked at when the
 * budget was not reached (so a reader skips unreadable batches instead of reading them again).
 */
export function decodeStoredBatches(batches: readonly Buffer[], fromOffset: number, maxRecords = Infinity, opts: StoredDecodeOptions = {}): { records: LogRecord[]; next: number } {
  const out: LogRecord[] = [];
  const decodeOpts: DecodeOptions = { verifyCrc: opts.verifyCrc === true, fromOffset, topic: opts.topic, partition: opts.partition, lazy: opts.lazy === true };
  let next = fromOffset;
  for (const b of batches) {
    if (out.length >= maxRecords) break;
    const before = out.length;
    try {
      decodeRecordBatch(opts.transient ? ownCopy(b) : b, 0, decodeOpts, out);
    } catch (err) {
      out.length = before;
      opts.onCorrupt?.({ baseOffset: batchBaseOffset(b, 0), endOffset: batchEndOffset(b, 0), error: err instanceof Error ? err.message : String(err) });
    }
    next = Math.max(next, batchEndOffset(b, 0));
  }
  if (out.length > maxRecords) out.length = maxRecords;
  if (out.length > 0 && (out.length >= maxRecords || out[out.length - 1]!.offset + 1 > next)) next = out[out.length - 1]!.offset + 1;
  return { records: out, next };
}

/** Decodes every whole batch of a buffer of concatenated batches. */
export function decodeRecordBatches(buf: Buffer, opts: DecodeOptions = {}): LogRecord[] {
  const out: LogRecord[] = [];
  let pos = 0;
  while (pos + BATCH_HEADER_SIZE <= buf.length) {
    const size = readInt32(buf, pos + 8) + LOG_OVERHEAD;
    if (pos + size > buf.length) break;
    decodeRecordBatch(buf, pos, opts, out);
    pos += size;
  }
  return out;
}

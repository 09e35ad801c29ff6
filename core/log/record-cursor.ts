/**
 * Records one at a time without an object per record: a cursor whose key and value are byte
 * ranges of the buffer they were read into. For readers that go through many records and keep
 * few — a state store's restore keeps only the last value of each key of its changelog — where
 * decoding every record into a LogRecord with two Buffer views was most of the cost (GC ~45 % of
 * a restore). BatchRecordCursor walks undecoded RecordBatch v2 bytes (./record-batch.ts has the
 * layout), checking each batch's CRC-32C once before its first record; RecordArrayCursor walks
 * records already decoded (a kafkajs fetch) the same way.
 */
import { CorruptRecordBatchError, UnsupportedCompressionError } from '../errors.js';
import { codecById, readableCodecNames } from './codecs.js';
import { BATCH_HEADER_SIZE, batchBaseOffset, batchEndOffset, readBatchHeader, validateBatch, view } from './record-batch.js';
import type { LogRecord } from './types.js';

/**
 * The current record of a run. The fields describe the record next() moved to and change with
 * the next call: a reader keeps what it needs (key(), value() or a copy of the bytes) before that.
 */
export interface RecordCursor {
  /** Moves to the next record; false when there is none left. */
  next(): boolean;
  readonly offset: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** The key is keyBytes[keyStart, keyStart + keyLength); keyLength -1: a null key. */
  readonly keyBytes: Uint8Array;
  readonly keyStart: number;
  readonly keyLength: number;
  /** The value is valueBytes[valueStart, valueStart + valueLength); valueLength -1: a null value (a tombstone). */
  readonly valueBytes: Uint8Array;
  readonly valueStart: number;
  readonly valueLength: number;
  /** The key as a Buffer over the same bytes (null for a null key); one allocation, for keys a reader keeps. */
  key(): Buffer | null;
  /** The value as a Buffer over the same bytes (null for a tombstone). */
  value(): Buffer | null;
  /** Records next() has moved to so far. */
  readonly count: number;
  /** Ends the run before `offset`: records from it on are not handed out. */
  stopAt(offset: number): void;
}

const EMPTY = new Uint8Array(0);

/** What the current record of either cursor is: the fields next() fills in. */
abstract class CursorFields {
  offset = -1;
  timestamp = 0;
  keyBytes: Uint8Array = EMPTY;
  keyStart = 0;
  keyLength = -1;
  valueBytes: Uint8Array = EMPTY;
  valueStart = 0;
  valueLength = -1;
  count = 0;
  protected limit = Infinity;

  key(): Buffer | null {
    return this.keyLength < 0 ? null : view(this.keyBytes, this.keyStart, this.keyLength);
  }

  value(): Buffer | null {
    return this.valueLength < 0 ? null : view(this.valueBytes, this.valueStart, this.valueLength);
  }

  stopAt(offset: number): void {
    this.limit = offset;
  }
}

export interface BatchCursorOptions {
  /** Check each batch's CRC-32C before its first record (default true). */
  verifyCrc?: boolean;
  /** Told about a batch that cannot be read (bad CRC, unknown codec, malformed records); the rest of it is skipped. */
  onCorrupt?: (info: { baseOffset: number; endOffset: number; error: string }) => void;
}

/**
 * The records of whole batches read from the log (LogEngine.read), from `fromOffset` on; control
 * batches yield nothing. A batch that fails its CRC or does not decompress is reported and skipped
 * whole. A batch whose CRC is right but whose records do not parse (only a broken writer makes one)
 * is reported where they stop parsing, and its records before that point have been handed out.
 */
export class BatchRecordCursor extends CursorFields implements RecordCursor {
  private next_ = 0; // the next batch to open
  private body: Uint8Array = EMPTY;
  private pos = 0;
  private end = 0;
  private left = 0; // records left in the open batch
  private baseOffset = 0;
  private firstTs = 0;
  private maxTs = 0;
  private logAppendTime = false;
  private batchStart = 0; // the open batch's index in `batches`, for reports

  constructor(
    private readonly batches: readonly Buffer[],
    private readonly fromOffset: number,
    private readonly opts: BatchCursorOptions = {},
  ) {
    super();
  }

  next(): boolean {
    for (;;) {
      if (this.left === 0 && !this.openBatch()) return false;
      try {
        if (this.readRecord()) return true;
      } catch (err) {
        this.corrupt(this.batches[this.batchStart]!, err);
        this.left = 0;
      }
      if (this.offset >= this.limit) return this.finish();
    }
  }

  /** Reads the record at pos into the fields; false when it lies below fromOffset or at the limit. */
  private readRecord(): boolean {
    const b = this.body;
    this.left--;
    const len = this.varint(b);
    const recEnd = this.pos + len;
    if (len < 0 || recEnd > this.end) throw new CorruptRecordBatchError(`record batch at offset ${this.baseOffset}: a record of length ${len} runs past the batch`);
    this.pos++; // attributes
    const tsDelta = this.varint(b);
    const offset = this.baseOffset + this.varint(b);
    this.offset = offset;
    if (offset < this.fromOffset || offset >= this.limit) {
      this.pos = recEnd;
      return false;
    }
    const keyLength = this.varint(b);
    this.keyBytes = b;
    this.keyStart = this.pos;
    this.keyLength = keyLength;
    if (keyLength > 0) this.pos += keyLength;
    if (keyLength < -1 || this.pos > recEnd) throw new CorruptRecordBatchError(`record at offset ${offset} has a key of length ${keyLength} in a record of length ${len}`);
    const valueLength = this.varint(b);
    this.valueBytes = b;
    this.valueStart = this.pos;
    this.valueLength = valueLength;
    if (valueLength > 0) this.pos += valueLength;
    // Headers are not handed out (no reader of this cursor needs them): stepped over with the record.
    if (valueLength < -1 || this.pos > recEnd) throw new CorruptRecordBatchError(`record at offset ${offset} has length ${len} but its key and value take more`);
    this.pos = recEnd;
    this.timestamp = this.logAppendTime ? this.maxTs : this.firstTs + tsDelta;
    this.count++;
    return true;
  }

  /** A zigzag varint at pos (Kafka's ByteUtils): one byte inline, longer ones by arithmetic that stays exact past 2^31. */
  private varint(b: Uint8Array): number {
    let byte = b[this.pos++]!;
    if (byte < 0x80) return (byte >>> 1) ^ -(byte & 1);
    let u = byte & 0x7f;
    let scale = 0x80;
    do {
      if (this.pos >= this.end) throw new CorruptRecordBatchError(`record batch at offset ${this.baseOffset} ends inside a varint`);
      byte = b[this.pos++]!;
      u += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte >= 0x80 && scale <= 2 ** 63);
    if (byte >= 0x80) throw new CorruptRecordBatchError('varint longer than 10 bytes');
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Opens the next batch that has records to hand out; false when none is left. */
  private openBatch(): boolean {
    while (this.next_ < this.batches.length) {
      const i = this.next_++;
      const buf = this.batches[i]!;
      if (batchEndOffset(buf, 0) <= this.fromOffset) continue;
      if (batchBaseOffset(buf, 0) >= this.limit) return this.finish();
      try {
        if (this.opts.verifyCrc !== false) validateBatch(buf, 0);
        const h = readBatchHeader(buf, 0);
        if (h.size > buf.length || h.size < BATCH_HEADER_SIZE) throw new CorruptRecordBatchError(`record batch at offset ${h.baseOffset} claims ${h.size} bytes but ${buf.length} were read`);
        if (h.isControl || h.recordCount <= 0) continue; // transaction markers: no user records
        this.baseOffset = h.baseOffset;
        this.firstTs = h.firstTimestamp;
        this.maxTs = h.maxTimestamp;
        this.logAppendTime = (h.attributes & 0x08) !== 0;
        if (h.compression === 0) {
          this.body = buf;
          this.pos = BATCH_HEADER_SIZE;
          this.end = h.size;
        } else {
          const codec = codecById(h.compression);
          if (!codec) throw new UnsupportedCompressionError(h.compression, readableCodecNames());
          try {
            this.body = codec.decompress(buf.subarray(BATCH_HEADER_SIZE, h.size));
          } catch (err) {
            throw new CorruptRecordBatchError(`record batch at offset ${h.baseOffset} does not decompress with ${codec.name}: ${(err as Error).message}`);
          }
          this.pos = 0;
          this.end = this.body.length;
        }
        this.left = h.recordCount;
        this.batchStart = i;
        return true;
      } catch (err) {
        this.corrupt(buf, err);
      }
    }
    return false;
  }

  private corrupt(buf: Buffer, err: unknown): void {
    this.opts.onCorrupt?.({ baseOffset: batchBaseOffset(buf, 0), endOffset: batchEndOffset(buf, 0), error: err instanceof Error ? err.message : String(err) });
  }

  private finish(): false {
    this.next_ = this.batches.length;
    this.left = 0;
    return false;
  }
}

/** The same walk over records already decoded (a kafkajs fetch, an in-memory list). */
export class RecordArrayCursor extends CursorFields implements RecordCursor {
  private i = 0;

  constructor(private readonly records: readonly LogRecord[]) {
    super();
  }

  next(): boolean {
    if (this.i >= this.records.length) return false;
    const r = this.records[this.i++]!;
    if (r.offset >= this.limit) {
      this.i = this.records.length;
      return false;
    }
    this.offset = r.offset;
    this.timestamp = r.timestamp;
    this.keyBytes = r.key ?? EMPTY;
    this.keyStart = 0;
    this.keyLength = r.key === null ? -1 : r.key.length;
    this.valueBytes = r.value ?? EMPTY;
    this.valueStart = 0;
    this.valueLength = r.value === null ? -1 : r.value.length;
    this.count++;
    return true;
  }

  override key(): Buffer | null {
    return this.records[this.i - 1]?.key ?? null;
  }

  override value(): Buffer | null {
    return this.records[this.i - 1]?.value ?? null;
  }
}

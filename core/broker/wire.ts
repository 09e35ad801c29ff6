/**
 * Kafka protocol primitives: the fixed-width types, the classic length-prefixed strings, bytes and
 * arrays, and the compact (unsigned-varint length + 1) forms and tagged-field varints of the
 * flexible versions (KIP-482). ./schema.ts composes them into whole messages.
 *
 * Reader throws FrameError on any read past the end or impossible length, which the connection
 * turns into "close this connection" — a malformed frame never reaches the log or the process.
 * Writer builds a response as a list of chunks so stored record batches are sent without copying.
 */
import { SluiceError } from '../errors.js';

export class FrameError extends SluiceError {
  constructor(message: string) {
    super('MALFORMED_FRAME', message);
  }
}

export class Reader {
  pos: number;
  constructor(readonly buf: Buffer, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new FrameError(`frame ends early: need ${n} bytes at ${this.pos}, frame has ${this.end}`);
  }
  remaining(): number {
    return this.end - this.pos;
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /** int64 as a JS number; offsets and timestamps fit in 2^53. */
  int64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  /** Unsigned varint of at most 5 bytes (32 bits), as Kafka's ByteUtils.readUnsignedVarint. */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result > 0xffffffff) throw new FrameError(`unsigned varint ${result} does not fit in 32 bits`);
        return result;
      }
    }
    throw new FrameError('unsigned varint longer than 5 bytes');
  }
  /** A UUID as 32 lowercase hex digits. */
  uuid(): string {
    this.need(16);
    const s = this.buf.toString('hex', this.pos, this.pos + 16);
    this.pos += 16;
    return s;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  /** Compact string: uvarint length + 1, 0 = null. */
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** Element count of a compact array (-1 = null), bounded like the classic one. */
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.remaining()) throw new FrameError(`impossible array length ${n}`);
    return n;
  }
  /** Element count of a classic array (-1 = null). Each element needs at least one byte, which bounds it. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1 || n > this.remaining()) throw new FrameError(`impossible array length ${n}`);
    return n;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < -1) throw new FrameError(`negative string length ${len}`);
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new FrameError('null where a string is required');
    return s;
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < -1) throw new FrameError(`negative bytes length ${len}`);
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }
  /** An array; null (-1) gives null. Each element needs at least one byte, which bounds the count. */
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.arrayLength();
    if (n === -1) return null;
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }
  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
}

const CHUNK = 16 * 1024;

export class Writer {
  private chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private total = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.seal();
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
  }
  private seal(): void {
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos));
    this.total += this.pos;
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
  }
  int8(v: number): this {
    this.room(1);
    this.buf.writeInt8(v, this.pos++);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.room(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.room(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: number): this {
    this.room(8);
    const hi = Math.floor(v / 4294967296);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * 4294967296, this.pos + 4);
    this.pos += 8;
    return this;
  }
  uint16(v: number): this {
    this.room(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  uint32(v: number): this {
    this.room(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  float64(v: number): this {
    this.room(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  uvarint(v: number): this {
    this.room(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }
  /** A UUID given as 32 hex digits. */
  uuid(hex: string): this {
    const b = Buffer.from(hex, 'hex');
    if (b.length !== 16) throw new Error(`not a UUID: ${hex}`);
    return this.raw(b);
  }
  compactNullableString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const len = Buffer.byteLength(s);
    this.uvarint(len + 1);
    this.room(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
    return this;
  }
  compactNullableBytes(b: Buffer | null): this {
    if (b === null) return this.uvarint(0);
    this.uvarint(b.length + 1);
    return this.raw(b);
  }
  /** Compact length-prefixed bytes made of several buffers, appended without copying. */
  compactBytesFrom(parts: Buffer[]): this {
    let len = 0;
    for (const p of parts) len += p.length;
    this.uvarint(len + 1);
    for (const p of parts) this.raw(p);
    return this;
  }
  /** Element count of a classic (int32) or compact (uvarint + 1) array; -1 = null. */
  arrayLength(n: number, compact: boolean): this {
    return compact ? this.uvarint(n + 1) : this.int32(n);
  }
  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.room(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
    return this;
  }
  string(s: string): this {
    return this.nullableString(s);
  }
  nullableBytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    return this.raw(b);
  }
  bytes(b: Buffer): this {
    return this.nullableBytes(b);
  }
  /** Length-prefixed bytes made of several buffers (stored batches), appended without copying. */
  bytesFrom(parts: Buffer[]): this {
    let len = 0;
    for (const p of parts) len += p.length;
    this.int32(len);
    for (const p of parts) this.raw(p);
    return this;
  }
  /** Appends a buffer as is; large ones become their own chunk instead of being copied. */
  raw(b: Buffer): this {
    if (b.length > 512) {
      this.seal();
      this.chunks.push(b);
      this.total += b.length;
    } else {
      this.room(b.length);
      b.copy(this.buf, this.pos);
      this.pos += b.length;
    }
    return this;
  }
  array<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }
  nullableArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.int32(-1);
    return this.array(items, item);
  }
  get length(): number {
    return this.total + this.pos;
  }
  /** The chunks written so far; the writer must not be used afterwards. */
  finish(): Buffer[] {
    this.seal();
    return this.chunks;
  }
}

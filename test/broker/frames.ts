/**
 * Well-formed request frames for every API key the broker handles (test templates for the fuzz
 * and raw-protocol tests), written with the broker's own Writer.
 */
import { encodeRecordBatch } from '../../core/log/record-batch.js';
import { Writer } from '../../core/broker/wire.js';

export function frame(key: number, version: number, correlationId: number, body: (w: Writer) => void, clientId = 'fuzz'): Buffer {
  return fieldFrame(key, version, correlationId, body, clientId).buf;
}

/** Where a value lies in a frame: a number of `size` bytes, or the content bytes of a string/bytes field. */
export interface Field {
  pos: number;
  size: number;
  kind: 'int' | 'content';
}

/** A Writer that notes the position of every value it writes, but not of lengths and counts. */
class RecordingWriter extends Writer {
  fields: Field[] = [];
  private structural = 0;
  private note(size: number, kind: Field['kind']): void {
    if (this.structural === 0 && size > 0) this.fields.push({ pos: this.length, size, kind });
  }
  override int8(v: number): this {
    this.note(1, 'int');
    return super.int8(v);
  }
  override int16(v: number): this {
    this.note(2, 'int');
    return super.int16(v);
  }
  override int32(v: number): this {
    this.note(4, 'int');
    return super.int32(v);
  }
  override int64(v: number): this {
    this.note(8, 'int');
    return super.int64(v);
  }
  private lengthThen(writeLength: () => void, contentSize: number, writeContent: () => void): this {
    this.structural++;
    writeLength();
    this.structural--;
    this.note(contentSize, 'content');
    this.structural++;
    writeContent();
    this.structural--;
    return this;
  }
  override nullableString(s: string | null): this {
    if (s === null) return this.lengthThen(() => super.nullableString(null), 0, () => {});
    const b = Buffer.from(s);
    return this.lengthThen(() => super.int16(b.length), b.length, () => super.raw(b));
  }
  override nullableBytes(b: Buffer | null): this {
    if (b === null) return this.lengthThen(() => super.int32(-1), 0, () => {});
    return this.lengthThen(() => super.int32(b.length), b.length, () => super.raw(b));
  }
  override array<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.structural++;
    super.int32(items.length);
    this.structural--;
    for (const v of items) item(this, v);
    return this;
  }
}

/** A request frame plus the positions of its value fields (for mutations that keep it parseable). */
export function fieldFrame(key: number, version: number, correlationId: number, body: (w: Writer) => void, clientId = 'fuzz'): { buf: Buffer; fields: Field[] } {
  const w = new RecordingWriter().int16(key).int16(version).int32(correlationId).nullableString(clientId);
  const headerFields = w.fields.length;
  body(w);
  const fields = w.fields.slice(headerFields).map((f) => ({ ...f, pos: f.pos + 4 }));
  const payload = Buffer.concat(w.finish());
  const buf = Buffer.allocUnsafe(4 + payload.length);
  buf.writeInt32BE(payload.length, 0);
  payload.copy(buf, 4);
  return { buf, fields };
}

const batch = encodeRecordBatch([{ key: 'k', value: 'v' }, { key: 'k2', value: 'v2', headers: { h: 'x' } }], { now: 1_700_000_000_000 });

/** One body per (key, version): what a real client would send. */
/** `n` varies names where state would pile up (JoinGroup: a fresh group each time, so no join waits on absent members). */
export const templates: Record<number, { versions: number[]; body: (w: Writer, v: number, n?: number) => void }> = {
  0: { versions: [3, 5, 7], body: (w) => w.nullableString(null).int16(-1).int32(1000).array(['fuzz-produce'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch))) },
  1: { versions: [4], body: (w) => w.int32(-1).int32(0).int32(1).int32(4096).int8(0).array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(0).int32(1024))) },
  2: { versions: [1, 2], body: (w, v) => { w.int32(-1); if (v >= 2) w.int8(0); w.array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(-2))); } },
  3: { versions: [0, 1, 4], body: (w, v) => { if (v === 0) w.array(['fuzz'], (w, t) => w.string(t)); else w.nullableArray(['fuzz', 'other'], (w, t) => w.string(t)); if (v >= 4) w.bool(false); } },
  8: { versions: [2], body: (w) => w.string('fz-group').int32(-1).string('').int64(-1).array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(1).nullableString(null))) },
  9: { versions: [1], body: (w) => w.string('fz-group').array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p))) },
  10: { versions: [0, 1, 2], body: (w, v) => { w.string('fz-group'); if (v >= 1) w.int8(0); } },
  11: { versions: [0, 1, 2], body: (w, v, n = 0) => { w.string(`fz-join-${n}`).int32(6000); if (v >= 1) w.int32(50); w.string('').string('consumer').array(['range'], (w, n) => w.string(n).bytes(Buffer.from([0, 0, 0, 0, 0, 1, 0, 4, 102, 117, 122, 122, 255, 255, 255, 255]))); } },
  12: { versions: [0, 1], body: (w) => w.string('fz-group').int32(1).string('m') },
  13: { versions: [0, 1], body: (w) => w.string('fz-group').string('m') },
  14: { versions: [0, 1], body: (w) => w.string('fz-group').int32(1).string('m').array([], () => {}) },
  15: { versions: [0, 1, 2], body: (w) => w.array(['fz-group'], (w, g) => w.string(g)) },
  16: { versions: [0, 1, 2], body: () => {} },
  17: { versions: [1], body: (w) => w.string('PLAIN') },
  18: { versions: [0, 1, 2, 3], body: () => {} },
  19: { versions: [0, 1, 3], body: (w, v) => { w.array(['fz-new'], (w, t) => w.string(t).int32(1).int16(1).array([], () => {}).array([{ n: 'retention.ms', v: '1000' }], (w, c) => w.string(c.n).nullableString(c.v))).int32(1000); if (v >= 1) w.bool(true); } },
  20: { versions: [0, 1], body: (w) => w.array(['fz-missing'], (w, t) => w.string(t)).int32(1000) },
  32: { versions: [0, 1], body: (w, v) => { w.array(['fuzz'], (w, t) => w.int8(2).string(t).nullableArray(null, () => {})); if (v >= 1) w.bool(false); } },
  36: { versions: [0, 1], body: (w) => w.bytes(Buffer.from('\0user\0password')) },
};

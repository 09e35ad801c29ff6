/**
 * pgoutput tuples straight into the bytes of their JSON, without a string or an object per value:
 * the catch-up path of the CDC source (issue 21). The bytes are exactly what
 * `JSON.stringify(row)` gives for the row values.ts builds (`columnValue` per column): integers
 * and ASCII text are copied from the message as they are (quoted and escaped as JSON where they
 * are strings); the types values.ts reshapes (floats, bytea, json/jsonb, timestamptz, arrays) and
 * non-ASCII text go through `columnValue` and `JSON.stringify` as before, so they cannot differ.
 *
 * A relation whose column names JSON.stringify would put in another order (names that are array
 * indexes, "0", "17": JavaScript objects list those first) or whose key columns are not all in
 * the message is not written here: the caller keeps its object path for it (`fastShape` null).
 */
import type { Relation } from './pgoutput.js';
import { columnValue } from './values.js';

const BOOL = 16, INT8 = 20, INT2 = 21, INT4 = 23, OID = 26, TIMESTAMP = 1114, TIMESTAMPTZ = 1184;
/** What values.ts returns as the text itself (a JSON string of the bytes Postgres sent). */
const TEXT_LIKE = new Set([18, 19, 25, 1042, 1043, 1082, 1083, 1266, 1700, 2950, 1186, 869, 650, 829, 774, 3614, 3615, 142]);

const enum Kind {
  /** int2, int4, oid: the digits are the JSON number. */
  Digits,
  /** bigint: a number while it is a safe integer, else its text as a string. */
  Int8,
  Bool,
  /** Text as it came, as a JSON string. */
  Text,
  /** timestamp without zone: the text with its first space turned into T (infinity as it came). */
  Timestamp,
  /** timestamptz: text in UTC ("…+00") rewritten as values.ts does; any other zone through columnValue. */
  Timestamptz,
  /** Everything values.ts reshapes: decoded to a string, columnValue, JSON.stringify. */
  Mapped,
}

function kindOf(oid: number): Kind {
  if (oid === INT2 || oid === INT4 || oid === OID) return Kind.Digits;
  if (oid === INT8) return Kind.Int8;
  if (oid === BOOL) return Kind.Bool;
  if (oid === TIMESTAMP) return Kind.Timestamp;
  if (oid === TIMESTAMPTZ) return Kind.Timestamptz;
  if (TEXT_LIKE.has(oid)) return Kind.Text;
  return Kind.Mapped;
}

/** A relation's columns prepared for writing: their JSON names and how each value is written. */
export interface FastShape {
  /** `"name":` per column, as UTF-8. */
  names: Buffer[];
  kinds: Kind[];
  oids: number[];
  /** Whether a column is part of the replica identity (what a key-only old tuple holds). */
  inKey: boolean[];
  /** Indexes of the record key's columns, in key order. */
  keyIndexes: number[];
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** The writer's view of `rel`, or null when its rows must take the object path (see the header). */
export function fastShape(rel: Relation, keyColumns: readonly string[]): FastShape | null {
  if (rel.columns.some((c) => ARRAY_INDEX.test(c.name) && Number(c.name) < 2 ** 32 - 1)) return null;
  const keyIndexes = keyColumns.map((k) => rel.columns.findIndex((c) => c.name === k));
  if (keyIndexes.some((i) => i < 0)) return null;
  return {
    names: rel.columns.map((c) => Buffer.from(`${JSON.stringify(c.name)}:`)),
    kinds: rel.columns.map((c) => kindOf(c.typeOid)),
    oids: rel.columns.map((c) => c.typeOid),
    inKey: rel.columns.map((c) => c.key),
    keyIndexes,
  };
}

const NULL = Buffer.from('null');
const UNAVAILABLE = Buffer.from('"__debezium_unavailable_value"');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/**
 * A growing byte buffer. Bytes before `base` may have been handed out (records are views of them):
 * they are never written again, and growing copies only what lies after `base`, to the start of a
 * new buffer (so offsets kept across a write are relative to `base`).
 */
export class ByteWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;
  base = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.base;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length, 2 * (used + n)));
    this.buf.copy(next, 0, this.base, this.pos);
    this.buf = next;
    this.base = 0;
    this.pos = used;
  }

  /**
   * Starts a region whose bytes will be handed out as views: `base` moves to the end of what is
   * written, in a new buffer of `size` bytes when fewer than `minFree` are left in this one.
   */
  region(size: number, minFree: number): void {
    if (this.buf.length - this.pos < minFree) {
      this.buf = Buffer.allocUnsafe(size);
      this.pos = 0;
    }
    this.base = this.pos;
  }

  byte(b: number): void {
    if (this.pos === this.buf.length) this.reserve(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    this.reserve(n);
    // A call into Buffer#copy costs more than a loop over the few bytes of a name or a number.
    if (n <= 32) {
      const buf = this.buf;
      let at = this.pos;
      for (let i = start; i < end; i++) buf[at++] = src[i]!;
      this.pos = at;
    } else this.pos += src.copy(this.buf, this.pos, start, end);
  }

  /** A string's UTF-8. */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

/**
 * Column value spans of the last tuple written (output offsets from the writer's base; start -1:
 * the column is not in the row), so the record key can be cut from the same bytes.
 */
export class TupleSpans {
  start = new Int32Array(64);
  end = new Int32Array(64);

  fit(n: number): void {
    if (n <= this.start.length) return;
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
  }
}

/**
 * Writes the tuple at `pos` of `msg` (pgoutput TupleData) as the JSON object of its row, every
 * column or (keyOnly) the replica identity's; returns the position after the tuple.
 */
export function writeTuple(out: ByteWriter, msg: Buffer, pos: number, shape: FastShape, keyOnly: boolean, spans: TupleSpans): number {
  const n = msg.readInt16BE(pos);
  pos += 2;
  const cols = shape.names.length;
  spans.fit(cols);
  out.byte(0x7b); // {
  let first = true;
  for (let i = 0; i < cols; i++) {
    // A tuple shorter than the relation (it cannot be, but values.ts read it as null) gives null.
    let kind = 0x6e; // n
    let len = 0;
    if (i < n) {
      kind = msg[pos++]!;
      if (kind === 0x74 /* t */ || kind === 0x62 /* b */) {
        len = msg.readInt32BE(pos);
        pos += 4;
      }
    }
    const start = pos;
    pos += len;
    if (keyOnly && !shape.inKey[i]) {
      spans.start[i] = -1;
      continue;
    }
    if (!first) out.byte(0x2c); // ,
    first = false;
    out.bytes(shape.names[i]!);
    spans.start[i] = out.pos - out.base;
    if (kind === 0x6e) out.bytes(NULL);
    else if (kind === 0x75 /* u */) out.bytes(UNAVAILABLE);
    else writeValue(out, msg, start, pos, shape.kinds[i]!, shape.oids[i]!);
    spans.end[i] = out.pos - out.base;
  }
  out.byte(0x7d); // }
  for (let i = cols; i < n; i++) {
    const kind = msg[pos++]!;
    if (kind === 0x74 || kind === 0x62) pos += 4 + msg.readInt32BE(pos);
  }
  return pos;
}

function writeValue(out: ByteWriter, msg: Buffer, start: number, end: number, kind: Kind, oid: number): void {
  switch (kind) {
    case Kind.Digits:
      out.bytes(msg, start, end);
      return;
    case Kind.Int8:
      // Up to 15 digits is always a safe integer; longer ones are decided as values.ts does.
      if (end - start <= 15 || (end - start === 16 && msg[start] === 0x2d)) out.bytes(msg, start, end);
      else writeMapped(out, msg, start, end, oid);
      return;
    case Kind.Bool:
      out.bytes(end - start === 1 ? (msg[start] === 0x74 ? TRUE : FALSE) : msg.toString('utf8', start, end) === 'true' ? TRUE : FALSE);
      return;
    case Kind.Text:
      writeString(out, msg, start, end, -1);
      return;
    case Kind.Timestamp: {
      const space = msg.indexOf(0x20, start);
      // "infinity" / "-infinity" have no space; Postgres writes no other letters i before a space.
      writeString(out, msg, start, end, space >= 0 && space < end ? space : -1);
      return;
    }
    case Kind.Timestamptz:
      if (!writeUtcTimestamp(out, msg, start, end)) writeMapped(out, msg, start, end, oid);
      return;
    default:
      writeMapped(out, msg, start, end, oid);
  }
}

/**
 * values.ts's common case of timestamptz, a session in UTC: "2024-01-02 03:04:05.678901+00" →
 * "2024-01-02T03:04:05.678901Z" (no fraction: .000; fewer than three digits: padded to three).
 * False when the text is not in that shape.
 */
function writeUtcTimestamp(out: ByteWriter, msg: Buffer, start: number, end: number): boolean {
  const len = end - start;
  if (len < 22 || msg[start + 10] !== 0x20 || msg[end - 3] !== 0x2b || msg[end - 2] !== 0x30 || msg[end - 1] !== 0x30) return false;
  for (let i = start; i < end; i++) if (msg[i]! >= 0x80 || msg[i] === 0x22 || msg[i] === 0x5c || msg[i]! < 0x20) return false;
  const timeLen = len - 14; // between the space and "+00"
  out.reserve(len + 8);
  const buf = out.buf;
  let at = out.pos;
  buf[at++] = 0x22;
  // Byte loops: Buffer#copy's call costs more than these 10 and 8-15 bytes.
  for (let i = start; i < start + 10; i++) buf[at++] = msg[i]!;
  buf[at++] = 0x54; // T
  for (let i = start + 11; i < end - 3; i++) buf[at++] = msg[i]!;
  if (timeLen === 8) {
    buf[at++] = 0x2e; // .000
    buf[at++] = 0x30;
    buf[at++] = 0x30;
    buf[at++] = 0x30;
  } else for (let i = timeLen; i < 12; i++) buf[at++] = 0x30; // pad the fraction to three digits
  buf[at++] = 0x5a; // Z
  buf[at++] = 0x22;
  out.pos = at;
  return true;
}

/** The bytes as a JSON string; `tAt`: an offset whose byte (a space) is written as T. Non-ASCII or escapes: JSON.stringify. */
function writeString(out: ByteWriter, msg: Buffer, start: number, end: number, tAt: number): void {
  for (let i = start; i < end; i++) {
    const b = msg[i]!;
    if (b < 0x20 || b >= 0x80 || b === 0x22 || b === 0x5c) {
      let s = msg.toString('utf8', start, end);
      if (tAt >= 0) s = s.replace(' ', 'T');
      out.text(JSON.stringify(s));
      return;
    }
  }
  out.byte(0x22);
  out.bytes(msg, start, end);
  if (tAt >= 0) out.buf[out.pos - (end - tAt)] = 0x54; // T
  out.byte(0x22);
}

function writeMapped(out: ByteWriter, msg: Buffer, start: number, end: number, oid: number): void {
  out.text(JSON.stringify(columnValue(msg.toString('utf8', start, end), oid)));
}

/**
 * Kafka's ConsumerProtocol encodings, byte for byte as Kafka and kafkajs write them, so embedded
 * consumers and kafkajs/librdkafka consumers can share one group:
 *   MemberMetadata   => version int16, topics [string], userData bytes
 *   MemberAssignment => version int16, [topic string, partitions [int32]], userData bytes
 * (arrays: int32 count; strings: int16 length; bytes: int32 length.)
 */
export interface MemberMetadata {
  version: number;
  topics: string[];
  userData: Buffer;
}

export type Assignment = Record<string, number[]>;

export interface MemberAssignment {
  version: number;
  assignment: Assignment;
  userData: Buffer;
}

class Writer {
  private parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    this.int16(bytes.length);
    this.parts.push(bytes);
    return this;
  }
  bytes(b: Buffer): this {
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  canRead(n: number): boolean {
    return this.pos + n <= this.buf.length;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  string(): string {
    const len = this.int16();
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  bytes(): Buffer {
    if (!this.canRead(4)) return Buffer.alloc(0);
    const len = this.int32();
    if (len < 0) return Buffer.alloc(0);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
}

export function encodeMemberMetadata(m: { version?: number; topics: string[]; userData?: Buffer }): Buffer {
  const w = new Writer().int16(m.version ?? 0).int32(m.topics.length);
  for (const t of m.topics) w.string(t);
  return w.bytes(m.userData ?? Buffer.alloc(0)).done();
}

export function decodeMemberMetadata(buf: Buffer): MemberMetadata {
  const r = new Reader(buf);
  const version = r.int16();
  const n = r.int32();
  const topics: string[] = [];
  for (let i = 0; i < n; i++) topics.push(r.string());
  return { version, topics, userData: r.bytes() };
}

export function encodeMemberAssignment(a: { version?: number; assignment: Assignment; userData?: Buffer }): Buffer {
  const topics = Object.keys(a.assignment);
  const w = new Writer().int16(a.version ?? 0).int32(topics.length);
  for (const t of topics) {
    const parts = a.assignment[t]!;
    w.string(t).int32(parts.length);
    for (const p of parts) w.int32(p);
  }
  return w.bytes(a.userData ?? Buffer.alloc(0)).done();
}

/** Decodes an assignment; an empty buffer (a member given nothing) decodes to no partitions. */
export function decodeMemberAssignment(buf: Buffer): MemberAssignment {
  if (buf.length < 2) return { version: 0, assignment: {}, userData: Buffer.alloc(0) };
  const r = new Reader(buf);
  const version = r.int16();
  const assignment: Assignment = {};
  if (r.canRead(4)) {
    const n = r.int32();
    for (let i = 0; i < n; i++) {
      const topic = r.string();
      const count = r.int32();
      const parts: number[] = [];
      for (let j = 0; j < count; j++) parts.push(r.int32());
      assignment[topic] = parts;
    }
  }
  return { version, assignment, userData: r.bytes() };
}

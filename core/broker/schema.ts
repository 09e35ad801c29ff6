/**
 * Kafka message definitions as data, and the one codec that reads and writes them in every version.
 *
 * Each API file under ./apis describes its request and response the way Kafka's message JSON
 * files do (clients/src/main/resources/common/message/*.json): fields with the versions they exist
 * in, the versions they may be null in, tagged fields with their tag, and defaults. A field is a
 * spec string, `type [vA+|vA-B|vA] [nullA+|nullA-B|nullA] [tagN] [=default]`, for example
 * `'string v3+ null3+'`, `'int32 v12+ tag0 =-1'`, `'[]int32 v7+'`; versions default to `v0+`.
 * Arrays of structs are `arr(spec, fields)`, single structs `obj(spec, fields)`.
 *
 * From that one description come the decoder of requests, the encoder of responses, the encoders
 * and decoders the tests use in the other direction, and the TypeScript types of the decoded
 * objects (field names as in Kafka, camelCased). Flexible versions (from `flexible` on) use compact
 * strings, bytes and arrays and end every struct with a tagged-field section (KIP-482); unknown
 * tags are skipped. A field absent from a version decodes as its default; encoding skips it.
 */
import { FrameError, Reader, Writer } from './wire.js';

type Prim = 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'string' | 'bytes' | 'records' | 'uuid';

type Range = readonly [number, number];
const NONE: Range = [1, 0];

export interface FieldDef {
  name: string;
  type: TypeDef;
  versions: Range;
  nullable: Range;
  /** Tagged in flexible versions within `versions` (Kafka's taggedVersions always equals versions from the tag's first version on). */
  tag: number | null;
  def: unknown;
}

export type TypeDef = { kind: 'prim'; prim: Prim } | { kind: 'array'; of: TypeDef } | { kind: 'struct'; fields: FieldDef[] };

/** A struct field given as `arr(...)` or `obj(...)`. */
export interface Nested<S extends string, F extends Fields, A extends boolean> {
  readonly spec: S;
  readonly fields: F;
  readonly array: A;
}
export type Fields = { readonly [name: string]: string | Nested<string, Fields, boolean> };

export function arr<const S extends string, const F extends Fields>(spec: S, fields: F): Nested<S, F, true> {
  return { spec, fields, array: true };
}
export function obj<const S extends string, const F extends Fields>(spec: S, fields: F): Nested<S, F, false> {
  return { spec, fields, array: false };
}

// ------------------------------------------------------------------------------------------------
// Types of decoded values, derived from the spec strings.

type PrimValue<T extends string> = T extends 'bool'
  ? boolean
  : T extends 'string' | 'uuid'
    ? string
    : T extends 'bytes'
      ? Buffer
      : T extends 'records'
        ? Records
        : T extends `[]${infer E}`
          ? Array<PrimValue<E>>
          : number;
type Head<S extends string> = S extends `${infer H} ${string}` ? H : S;
type Nullable<S extends string, V> = S extends `${string} null${string}` ? V | null : V;
type FieldValue<S> = S extends string
  ? Nullable<S, PrimValue<Head<S>>>
  : S extends Nested<infer Spec, infer F extends Fields, infer A>
    ? A extends true
      ? Nullable<Spec, Array<Infer<F>>>
      : Infer<F>
    : never;
export type Infer<F extends Fields> = { -readonly [K in keyof F]: FieldValue<F[K]> };

/**
 * Record batches: decoded as one Buffer; encoded from one Buffer or a list of them (stored batches
 * sent without copying).
 */
export type Records = Buffer | Buffer[];

// ------------------------------------------------------------------------------------------------
// Parsing the specs.

const PRIMS = new Set<string>(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid']);

function parseRange(text: string, what: string): Range {
  const m = /^(\d+)(\+|-(\d+))?$/.exec(text);
  if (!m) throw new Error(`bad version range "${text}" in ${what}`);
  const lo = Number(m[1]);
  return [lo, m[2] === '+' ? 0x7fff : m[3] !== undefined ? Number(m[3]) : lo];
}

interface Spec {
  head: string;
  versions: Range;
  nullable: Range;
  tag: number | null;
  def: string | undefined;
}

function parseSpec(spec: string, what: string, defaultHead = ''): Spec {
  const parts = spec.trim().split(/\s+/).filter(Boolean);
  const out: Spec = { head: defaultHead, versions: [0, 0x7fff], nullable: NONE, tag: null, def: undefined };
  for (const p of parts) {
    if (p.startsWith('=')) out.def = p.slice(1);
    else if (p.startsWith('null')) out.nullable = parseRange(p.slice(4), what);
    else if (p.startsWith('tag')) out.tag = Number(p.slice(3));
    else if (/^v\d/.test(p)) out.versions = parseRange(p.slice(1), what);
    else if (!out.head) out.head = p;
    else throw new Error(`unexpected "${p}" in the spec of ${what}`);
  }
  return out;
}

function parsePrimType(head: string, what: string): TypeDef {
  if (head.startsWith('[]')) return { kind: 'array', of: parsePrimType(head.slice(2), what) };
  if (!PRIMS.has(head)) throw new Error(`unknown type "${head}" in ${what}`);
  return { kind: 'prim', prim: head as Prim };
}

function defaultValue(type: TypeDef, def: string | undefined): unknown {
  if (def === 'null') return null;
  if (type.kind === 'array') return [];
  if (type.kind === 'struct') return structDefault(type.fields);
  switch (type.prim) {
    case 'bool':
      return def === 'true';
    case 'string':
      return def ?? '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return EMPTY;
    case 'records':
      return null;
    default:
      return def === undefined ? 0 : Number(def);
  }
}

function structDefault(fields: FieldDef[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) o[f.name] = cloneDefault(f.def);
  return o;
}

function cloneDefault(v: unknown): unknown {
  if (Array.isArray(v)) return [];
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return { ...(v as object) };
  return v;
}

function compileFields(fields: Fields, what: string): FieldDef[] {
  return Object.entries(fields).map(([name, f]) => {
    const where = `${what}.${name}`;
    if (typeof f === 'string') {
      const s = parseSpec(f, where);
      const type = parsePrimType(s.head, where);
      return { name, type, versions: s.versions, nullable: s.nullable, tag: s.tag, def: defaultValue(type, s.def) };
    }
    const s = parseSpec(f.spec, where, 'struct');
    const struct: TypeDef = { kind: 'struct', fields: compileFields(f.fields, where) };
    const type: TypeDef = f.array ? { kind: 'array', of: struct } : struct;
    return { name, type, versions: s.versions, nullable: s.nullable, tag: s.tag, def: defaultValue(type, s.def) };
  });
}

const within = (v: number, r: Range) => v >= r[0] && v <= r[1];

export const ZERO_UUID = '00000000000000000000000000000000';
const EMPTY = Buffer.alloc(0);

// ------------------------------------------------------------------------------------------------
// The codec.

/** One field as laid out in one version: in the body, or in the tagged section. */
interface Slot {
  f: FieldDef;
  nullable: boolean;
}

interface Layout {
  body: Slot[];
  tagged: Slot[];
  /** Fields absent from this version: decoded as their defaults. */
  absent: FieldDef[];
}

class StructCodec {
  private readonly layouts = new Map<number, Layout>();
  constructor(readonly fields: FieldDef[]) {}

  layout(version: number, flexible: boolean): Layout {
    const key = flexible ? version + 0x10000 : version;
    let l = this.layouts.get(key);
    if (!l) {
      l = { body: [], tagged: [], absent: [] };
      for (const f of this.fields) {
        if (!within(version, f.versions)) l.absent.push(f);
        else if (f.tag !== null) {
          // Tagged fields exist only in flexible versions.
          if (flexible) l.tagged.push({ f, nullable: within(version, f.nullable) });
          else l.absent.push(f);
        } else l.body.push({ f, nullable: within(version, f.nullable) });
      }
      l.tagged.sort((a, b) => a.f.tag! - b.f.tag!);
      this.layouts.set(key, l);
    }
    return l;
  }
}

const codecs = new WeakMap<FieldDef[], StructCodec>();
function codecOf(fields: FieldDef[]): StructCodec {
  let c = codecs.get(fields);
  if (!c) {
    c = new StructCodec(fields);
    codecs.set(fields, c);
  }
  return c;
}

function readStruct(r: Reader, fields: FieldDef[], version: number, flexible: boolean): Record<string, unknown> {
  const l = codecOf(fields).layout(version, flexible);
  const out: Record<string, unknown> = {};
  for (const s of l.body) out[s.f.name] = readValue(r, s.f.type, s.nullable, version, flexible);
  for (const f of l.absent) out[f.name] = cloneDefault(f.def);
  if (flexible) {
    for (const s of l.tagged) out[s.f.name] = cloneDefault(s.f.def);
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const tag = r.uvarint();
      const size = r.uvarint();
      const s = l.tagged.find((t) => t.f.tag === tag);
      if (!s) {
        r.skip(size);
        continue;
      }
      const end = r.pos + size;
      if (end > r.end) throw new FrameError(`tagged field ${tag} claims ${size} bytes past the end`);
      const sub = new Reader(r.buf, r.pos, end);
      out[s.f.name] = readValue(sub, s.f.type, s.nullable, version, flexible);
      if (sub.pos !== end) throw new FrameError(`tagged field ${tag} has ${end - sub.pos} bytes left over`);
      r.pos = end;
    }
  }
  return out;
}

function readValue(r: Reader, t: TypeDef, nullable: boolean, version: number, flexible: boolean): unknown {
  if (t.kind === 'prim') {
    switch (t.prim) {
      case 'bool':
        return r.int8() !== 0;
      case 'int8':
        return r.int8();
      case 'int16':
        return r.int16();
      case 'uint16':
        return r.uint16();
      case 'int32':
        return r.int32();
      case 'uint32':
        return r.uint32();
      case 'int64':
        return r.int64();
      case 'float64':
        return r.float64();
      case 'uuid':
        return r.uuid();
      case 'string': {
        const s = flexible ? r.compactNullableString() : r.nullableString();
        if (s === null && !nullable) throw new FrameError('null where a string is required');
        return s;
      }
      case 'bytes':
      case 'records': {
        const b = flexible ? r.compactNullableBytes() : r.nullableBytes();
        if (b === null && !nullable) throw new FrameError('null where bytes are required');
        return b;
      }
    }
  }
  if (t.kind === 'struct') return readStruct(r, t.fields, version, flexible);
  const n = flexible ? r.compactArrayLength() : r.arrayLength();
  if (n === -1) {
    if (!nullable) throw new FrameError('null where an array is required');
    return null;
  }
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readValue(r, t.of, false, version, flexible);
  return out;
}

function writeStruct(w: Writer, fields: FieldDef[], value: Record<string, unknown>, version: number, flexible: boolean): void {
  const l = codecOf(fields).layout(version, flexible);
  for (const s of l.body) {
    const v = value[s.f.name];
    writeValue(w, s.f.type, v === undefined ? s.f.def : v, s.nullable, version, flexible, s.f.name);
  }
  if (!flexible) return;
  const present = l.tagged.filter((s) => {
    const v = value[s.f.name];
    return v !== undefined && !isDefault(v, s.f);
  });
  w.uvarint(present.length);
  for (const s of present) {
    const inner = new Writer();
    writeValue(inner, s.f.type, value[s.f.name], s.nullable, version, flexible, s.f.name);
    w.uvarint(s.f.tag!).uvarint(inner.length);
    for (const c of inner.finish()) w.raw(c);
  }
}

function isDefault(v: unknown, f: FieldDef): boolean {
  if (v === f.def) return true;
  if (Array.isArray(v)) return Array.isArray(f.def) && v.length === 0;
  if (f.type.kind === 'struct' && v && typeof v === 'object') {
    return f.type.fields.every((sf) => {
      const x = (v as Record<string, unknown>)[sf.name];
      return x === undefined || isDefault(x, sf);
    });
  }
  return false;
}

function writeValue(w: Writer, t: TypeDef, v: unknown, nullable: boolean, version: number, flexible: boolean, name: string): void {
  if (v === null && !nullable) throw new Error(`${name} is null, which version ${version} does not allow`);
  if (t.kind === 'prim') {
    switch (t.prim) {
      case 'bool':
        w.int8(v ? 1 : 0);
        return;
      case 'int8':
        w.int8(v as number);
        return;
      case 'int16':
        w.int16(v as number);
        return;
      case 'uint16':
        w.uint16(v as number);
        return;
      case 'int32':
        w.int32(v as number);
        return;
      case 'uint32':
        w.uint32(v as number);
        return;
      case 'int64':
        w.int64(v as number);
        return;
      case 'float64':
        w.float64(v as number);
        return;
      case 'uuid':
        w.uuid(v as string);
        return;
      case 'string':
        if (flexible) w.compactNullableString(v as string | null);
        else w.nullableString(v as string | null);
        return;
      case 'bytes':
      case 'records':
        if (Array.isArray(v)) {
          if (flexible) w.compactBytesFrom(v as Buffer[]);
          else w.bytesFrom(v as Buffer[]);
        } else if (flexible) w.compactNullableBytes(v as Buffer | null);
        else w.nullableBytes(v as Buffer | null);
        return;
    }
  }
  if (t.kind === 'struct') return writeStruct(w, t.fields, v as Record<string, unknown>, version, flexible);
  if (v === null) {
    w.arrayLength(-1, flexible);
    return;
  }
  const items = v as unknown[];
  w.arrayLength(items.length, flexible);
  for (const item of items) writeValue(w, t.of, item, false, version, flexible, name);
}

/** One message (a request or a response body) in every version of its API. */
export class Message<T> {
  readonly fields: FieldDef[];
  /** First flexible version; Infinity when none is. */
  readonly flexibleFrom: number;
  constructor(
    readonly name: string,
    readonly minVersion: number,
    readonly maxVersion: number,
    flexible: number | null,
    fields: Fields,
  ) {
    this.fields = compileFields(fields, name);
    this.flexibleFrom = flexible ?? Infinity;
  }
  flexible(version: number): boolean {
    return version >= this.flexibleFrom;
  }
  read(r: Reader, version: number): T {
    return readStruct(r, this.fields, version, this.flexible(version)) as T;
  }
  write(w: Writer, value: T, version: number): Writer {
    writeStruct(w, this.fields, value as Record<string, unknown>, version, this.flexible(version));
    return w;
  }
  encode(value: T, version: number): Buffer {
    return Buffer.concat(this.write(new Writer(), value, version).finish());
  }
  decode(buf: Buffer, version: number): T {
    return this.read(new Reader(buf), version);
  }
  /** A value with every field at its default (handlers fill what they answer). */
  defaults(): T {
    return structDefault(this.fields) as T;
  }
}

export interface ApiSchema<Req, Res> {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version (request header v2, response header v1); Infinity when none. */
  flexibleFrom: number;
  request: Message<Req>;
  response: Message<Res>;
}

/** Request and response of one API key: `valid` and `flexible` as in Kafka's JSON ("0-11", "9+"). */
export function api<const Q extends Fields, const S extends Fields>(
  meta: { key: number; name: string; valid: string; flexible: string | null },
  request: Q,
  response: S,
): ApiSchema<Infer<Q>, Infer<S>> {
  const [min, max] = parseRange(meta.valid, meta.name);
  const flex = meta.flexible === null ? null : parseRange(meta.flexible.replace(/\+$/, '') + '+', meta.name)[0];
  return {
    key: meta.key,
    name: meta.name,
    minVersion: min,
    maxVersion: max,
    flexibleFrom: flex ?? Infinity,
    request: new Message<Infer<Q>>(`${meta.name}Request`, min, max, flex, request),
    response: new Message<Infer<S>>(`${meta.name}Response`, min, max, flex, response),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RequestOf<A> = A extends ApiSchema<infer Q, any> ? Q : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResponseOf<A> = A extends ApiSchema<any, infer R> ? R : never;

/**
 * How a store's keys and values become bytes in its changelog and in Redis.
 *
 * Values: the store's value serde; by default `stateJson()`, JSON that refuses what JSON cannot
 * give back (a Map, Set, bigint, Date, class instance…) with a StoreSerdeError naming the store,
 * instead of writing `{}` and restoring something else. Give the store a serde for such values.
 *
 * Keys: a store identifies a key by its *key text* — the key serde's text for text serdes (JSON,
 * the default, gives `JSON.stringify(key)`, the text operators compute anyway), base64 of its
 * bytes for binary ones. Equal serialized keys are one key, as in Kafka's byte stores.
 */
import { SluiceError } from '../../core/errors.js';
import { json, type Serde } from '../../core/serde/serde.js';

/** A value (or key) a store's serde cannot write faithfully. */
export class StoreSerdeError extends SluiceError {
  constructor(
    readonly store: string,
    why: string,
    options: { cause?: unknown } = {},
  ) {
    super('STORE_SERDE', `store "${store}": ${why}`, options);
  }
}

function describe(v: unknown): string | null {
  if (v instanceof Map) return 'a Map';
  if (v instanceof Set) return 'a Set';
  if (typeof v === 'bigint') return 'a bigint';
  if (v instanceof Date) return 'a Date';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return `an instance of ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'a class'}`;
  }
  return null;
}

/** JSON text of a state value, or a StoreSerdeError if JSON would not give the same value back. */
export function strictJsonText(store: string, v: unknown): string {
  const t = typeof v;
  if (t === 'number' || t === 'string' || t === 'boolean') return JSON.stringify(v);
  let bad: { what: string; path: string } | null = null;
  const text = JSON.stringify(v, function (this: Record<string, unknown>, k: string, value: unknown) {
    if (bad) return undefined;
    const raw = k === '' ? v : this[k];
    const what = describe(raw);
    if (what) {
      bad = { what, path: k === '' ? '(the value)' : k };
      return undefined;
    }
    return value;
  }) as string | undefined;
  if (bad) {
    const b = bad as { what: string; path: string };
    throw new StoreSerdeError(store, `the value holds ${b.what} at "${b.path}", which JSON cannot keep (a restore would give back something else); keep plain objects, arrays, strings, numbers and booleans, or give the store a value serde that can write it (store: { value: mySerde })`);
  }
  if (text === undefined) throw new StoreSerdeError(store, 'the value is undefined, which JSON cannot keep; use null');
  return text;
}

/** The default value serde of a store: JSON that fails loudly where JSON would lose information. */
export function stateJson<T>(store: string): Serde<T> {
  const plain = json<T>();
  return {
    serialize: (v) => (v === null || v === undefined ? null : Buffer.from(strictJsonText(store, v))),
    serializeText: (v) => (v === null || v === undefined ? null : strictJsonText(store, v)),
    deserialize: (b) => plain.deserialize(b),
  };
}

/** A store's key codec: key ↔ key text ↔ changelog key bytes. */
export interface KeyCodec<K> {
  /** Whether key texts are JSON.stringify(key) (the default serde): operators pass theirs in. */
  readonly json: boolean;
  text(key: K): string;
  fromText(text: string): K;
  /** The changelog key of a key text (the serde's bytes). */
  bytes(text: string): Buffer;
  /** The key text of changelog key bytes. */
  textOf(bytes: Buffer): string;
}

export function keyCodec<K>(serde: Serde<K> | undefined): KeyCodec<K> {
  if (!serde) {
    return {
      json: true,
      text: (k) => JSON.stringify(k),
      fromText: (t) => JSON.parse(t) as K,
      bytes: (t) => Buffer.from(t, 'utf8'),
      textOf: (b) => b.toString('utf8'),
    };
  }
  if (serde.serializeText) {
    const st = serde.serializeText.bind(serde);
    return {
      json: false,
      text: (k) => st(k) ?? '',
      fromText: (t) => serde.deserialize(Buffer.from(t, 'utf8')),
      bytes: (t) => Buffer.from(t, 'utf8'),
      textOf: (b) => b.toString('utf8'),
    };
  }
  return {
    json: false,
    text: (k) => (serde.serialize(k) ?? Buffer.alloc(0)).toString('base64'),
    fromText: (t) => serde.deserialize(Buffer.from(t, 'base64')),
    bytes: (t) => Buffer.from(t, 'base64'),
    textOf: (b) => b.toString('base64'),
  };
}

/** A value codec: value ↔ bytes (or text, for text serdes), with the store named in its errors. */
export interface ValueCodec<V> {
  encode(v: V): Buffer | string;
  decode(b: Buffer): V;
}

export function valueCodec<V>(store: string, serde: Serde<V> | undefined): ValueCodec<V> {
  const s = serde ?? stateJson<V>(store);
  const write = s.serializeText ? s.serializeText.bind(s) : s.serialize.bind(s);
  return {
    encode(v) {
      let out;
      try {
        out = write(v);
      } catch (err) {
        if (err instanceof StoreSerdeError) throw err;
        throw new StoreSerdeError(store, `its value serde cannot write the value: ${(err as Error).message}`, { cause: err });
      }
      if (out === null) throw new StoreSerdeError(store, 'its value serde wrote null for a value (null deletes a key in a changelog)');
      return out;
    },
    decode: (b) => s.deserialize(b),
  };
}

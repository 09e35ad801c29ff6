/** JSON; with a zod schema, values are validated (and transformed) on the way in. */
import type { z } from 'zod';
import { JsonDecoder } from './json-decoder.js';
import { SerdeError } from './serde-error.js';
import type { Serde } from './types.js';

/**
 * An object that already knows its JSON text offers it under this symbol, and the json serde
 * writes that text instead of stringifying the object again. Windowed keys do: they are built
 * around a key the aggregation has encoded anyway, and results are written by the hundred
 * thousand. The text must equal `JSON.stringify` of the object.
 */
export const JSON_TEXT = Symbol.for('sluice.jsonText');

export interface KnowsJsonText {
  [JSON_TEXT](): string;
}

/** JSON.stringify, or the object's own text when it knows it. */
export function toJsonText(v: unknown): string {
  if (typeof v === 'object' && v !== null) {
    const own = (v as Partial<KnowsJsonText>)[JSON_TEXT];
    if (own !== undefined) return own.call(v);
  }
  return JSON.stringify(v);
}

export function json<T = unknown>(schema?: z.ZodType<T, z.ZodTypeDef, unknown>): Serde<T> {
  // One per serde: it learns the key layout of the values this serde reads (json-decoder.ts).
  const decoder = new JsonDecoder();
  const fromRange = (b: Buffer, start: number, end: number): T => {
    let v: unknown;
    try {
      v = decoder.decode(b, start, end);
    } catch (err) {
      throw new SerdeError(`not JSON: ${(err as Error).message}`, undefined, { cause: err });
    }
    if (!schema) return v as T;
    const res = schema.safeParse(v);
    if (!res.success) {
      const where = res.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ');
      throw new SerdeError(`value does not match its schema: ${where}`, res.error.issues);
    }
    return res.data;
  };
  return {
    serialize: (v) => (v === null || v === undefined ? null : Buffer.from(toJsonText(v))),
    serializeText: (v) => (v === null || v === undefined ? null : toJsonText(v)),
    deserialize: (b) => (b === null ? (null as T) : fromRange(b, 0, b.length)),
    deserializeRange: fromRange,
  };
}

/** Bytes read as JSON when they are JSON, as text otherwise (for output that people read). */
export function jsonOrText(b: Buffer | null): unknown {
  if (b === null) return null;
  const s = b.toString('utf8');
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

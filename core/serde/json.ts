/** JSON; with a zod schema, values are validated (and transformed) on the way in. */
import type { z } from 'zod';
import { SerdeError } from './serde-error.js';
import type { Serde } from './types.js';

export function json<T = unknown>(schema?: z.ZodType<T, z.ZodTypeDef, unknown>): Serde<T> {
  return {
    serialize: (v) => (v === null || v === undefined ? null : Buffer.from(JSON.stringify(v))),
    serializeText: (v) => (v === null || v === undefined ? null : JSON.stringify(v)),
    deserialize: (b) => {
      if (b === null) return null as T;
      let v: unknown;
      try {
        v = JSON.parse(b.toString('utf8'));
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
    },
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

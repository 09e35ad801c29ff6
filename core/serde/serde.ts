/**
 * Serdes: how typed keys and values become bytes in topics and back. Deserialization errors are
 * typed (SerdeError) so the worker's error policy can route the record to the dead-letter topic.
 */
import type { z } from 'zod';
import { SluiceError } from '../errors.js';

export interface Serde<T> {
  serialize(value: T): Buffer | null;
  deserialize(bytes: Buffer | null): T;
}

export class SerdeError extends SluiceError {
  constructor(message: string, readonly issues?: z.ZodIssue[], options: { cause?: unknown } = {}) {
    super('SERDE', message, options);
  }
}

/** JSON; with a zod schema, values are validated on the way in (the error carries the zod issues). */
export function json<T = unknown>(schema?: z.ZodType<T>): Serde<T> {
  return {
    serialize: (v) => (v === null || v === undefined ? null : Buffer.from(JSON.stringify(v))),
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
        const i = res.error.issues[0]!;
        throw new SerdeError(`value does not match its schema: ${i.path.join('.') || '(value)'}: ${i.message}`, res.error.issues);
      }
      return res.data;
    },
  };
}

export function string(): Serde<string> {
  return {
    serialize: (v) => (v === null || v === undefined ? null : Buffer.from(v, 'utf8')),
    deserialize: (b) => (b === null ? (null as unknown as string) : b.toString('utf8')),
  };
}

export function bytes(): Serde<Buffer> {
  return {
    serialize: (v) => v,
    deserialize: (b) => b as Buffer,
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

/** Shared helper of the transforms: read and write a record's value as a JSON object. */
import type { TransformableRecord } from '../../core/worker/transform.js';

export function jsonValue(r: TransformableRecord): Record<string, unknown> | null {
  if (r.value === null || r.value === undefined) return null;
  const text = typeof r.value === 'string' ? r.value : r.value.toString('utf8');
  const v = JSON.parse(text) as unknown;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function withJsonValue<R extends TransformableRecord>(r: R, value: Record<string, unknown>): R {
  return { ...r, value: JSON.stringify(value) };
}

/** Reads a dotted path ("a.b.c") of an object. */
export function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

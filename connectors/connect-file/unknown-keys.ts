/**
 * Keys a schema does not know. zod drops them silently, so `keyfield:` for `keyField:` or
 * `envelop:` for `envelope:` would run with the default and nobody would know; a connect file
 * refuses them instead, naming the key and the closest known one.
 */
import { z } from 'zod';
import { closestName } from '../../core/util/closest-name.js';

export interface UnknownKey {
  path: Array<string | number>;
  key: string;
  known: string[];
  closest?: string;
}

/** The object schema behind optional/default/nullable/refine wrappers, or the schema itself. */
function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema.unwrap();
    else if (schema instanceof z.ZodDefault) schema = schema._def.innerType;
    else if (schema instanceof z.ZodEffects) schema = schema.innerType();
    else if (schema instanceof z.ZodLazy) schema = schema.schema;
    else if (schema instanceof z.ZodBranded) schema = schema.unwrap();
    else return schema;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every key of `value` (at any depth the schema describes) that the schema has no field for. */
export function unknownKeys(schema: z.ZodTypeAny, value: unknown, path: Array<string | number> = []): UnknownKey[] {
  const s = unwrap(schema);
  const out: UnknownKey[] = [];
  if (s instanceof z.ZodObject && isObject(value)) {
    const shape = s.shape as Record<string, z.ZodTypeAny>;
    const known = Object.keys(shape);
    const open = s._def.unknownKeys === 'passthrough' || !(s._def.catchall instanceof z.ZodNever);
    for (const [k, v] of Object.entries(value)) {
      if (k in shape) out.push(...unknownKeys(shape[k]!, v, [...path, k]));
      else if (!open) out.push({ path, key: k, known, closest: closestName(k, known) });
    }
  } else if (s instanceof z.ZodArray && Array.isArray(value)) {
    value.forEach((v, i) => out.push(...unknownKeys(s.element as z.ZodTypeAny, v, [...path, i])));
  } else if (s instanceof z.ZodRecord && isObject(value)) {
    for (const [k, v] of Object.entries(value)) out.push(...unknownKeys(s.valueSchema as z.ZodTypeAny, v, [...path, k]));
  } else if ((s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) && isObject(value)) {
    // Only the member the value claims to be (by a literal `type`) says which keys are unknown.
    const options = (s.options as z.ZodTypeAny[]).map(unwrap);
    const member = options.find((o) => o instanceof z.ZodObject && (o.shape as Record<string, z.ZodTypeAny>).type instanceof z.ZodLiteral && (o.shape as Record<string, z.ZodLiteral<unknown>>).type!.value === value.type);
    if (member) out.push(...unknownKeys(member, value, path));
  }
  return out;
}

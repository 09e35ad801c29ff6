/**
 * zod (v3) schemas as JSON Schema (the OpenAPI 3.1 dialect): the management API's document is
 * generated from the very schemas its handlers validate with, and /connector-plugins shows each
 * connector's config the same way. Covers the zod types the API and the connectors use; anything
 * else becomes `{}` (any value), never a wrong constraint.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export function jsonSchema(schema: z.ZodTypeAny): JsonSchema {
  const out = convert(schema);
  if (schema.description && out.description === undefined) out.description = schema.description;
  return out;
}

/** Whether a value may be left out (optional, or has a default). */
export function isOptional(schema: z.ZodTypeAny): boolean {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return true;
  if (schema instanceof z.ZodEffects) return isOptional(schema.innerType());
  return false;
}

function convert(s: z.ZodTypeAny): JsonSchema {
  const d = (x: JsonSchema): JsonSchema => (s.description ? { ...x, description: s.description } : x);
  if (s instanceof z.ZodOptional) return d(convert(s.unwrap()));
  if (s instanceof z.ZodNullable) return d({ anyOf: [convert(s.unwrap()), { type: 'null' }] });
  if (s instanceof z.ZodDefault) return d({ ...convert(s._def.innerType), default: s._def.defaultValue() });
  if (s instanceof z.ZodEffects) return d(convert(s.innerType()));
  if (s instanceof z.ZodPipeline) return d(convert(s._def.in));
  if (s instanceof z.ZodBranded) return d(convert(s.unwrap()));
  if (s instanceof z.ZodLazy) return d({});
  if (s instanceof z.ZodString) {
    const x: JsonSchema = { type: 'string' };
    for (const c of s._def.checks) {
      if (c.kind === 'min') x.minLength = c.value;
      else if (c.kind === 'max') x.maxLength = c.value;
      else if (c.kind === 'regex') x.pattern = c.regex.source;
      else if (c.kind === 'url') x.format = 'uri';
    }
    return d(x);
  }
  if (s instanceof z.ZodNumber) {
    const x: JsonSchema = { type: s.isInt ? 'integer' : 'number' };
    for (const c of s._def.checks) {
      if (c.kind === 'min') x[c.inclusive ? 'minimum' : 'exclusiveMinimum'] = c.value;
      else if (c.kind === 'max') x[c.inclusive ? 'maximum' : 'exclusiveMaximum'] = c.value;
    }
    return d(x);
  }
  if (s instanceof z.ZodBoolean) return d({ type: 'boolean' });
  if (s instanceof z.ZodNull) return d({ type: 'null' });
  if (s instanceof z.ZodLiteral) return d({ const: s.value });
  if (s instanceof z.ZodEnum) return d({ type: 'string', enum: [...s.options] });
  if (s instanceof z.ZodNativeEnum) return d({ enum: Object.values(s.enum) });
  if (s instanceof z.ZodArray) return d({ type: 'array', items: jsonSchema(s.element) });
  if (s instanceof z.ZodTuple) return d({ type: 'array', prefixItems: s.items.map((i: z.ZodTypeAny) => jsonSchema(i)) });
  if (s instanceof z.ZodRecord) return d({ type: 'object', additionalProperties: jsonSchema(s.valueSchema) });
  if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) return d({ anyOf: (s.options as z.ZodTypeAny[]).map(jsonSchema) });
  if (s instanceof z.ZodIntersection) return d({ allOf: [jsonSchema(s._def.left), jsonSchema(s._def.right)] });
  if (s instanceof z.ZodObject) {
    const shape = s.shape as Record<string, z.ZodTypeAny>;
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [k, v] of Object.entries(shape)) {
      properties[k] = jsonSchema(v);
      if (!isOptional(v)) required.push(k);
    }
    const x: JsonSchema = { type: 'object', properties };
    if (required.length) x.required = required;
    if (s._def.unknownKeys === 'strict') x.additionalProperties = false;
    return d(x);
  }
  return d({});
}

/**
 * A connector's or transform's config, read from its zod schema: each field with its type,
 * default, whether it is required, and its description. `sluice connectors describe` prints it and
 * `npm run docs` writes the reference tables from it, so the documentation is the schema.
 */
import { z } from 'zod';

export interface ConfigField {
  name: string;
  /** Readable type, Markdown: `string`, `integer`, `` `json` | `csv` ``, `string[]`, `map of string`, … */
  type: string;
  required: boolean;
  /** The default as JSON text, when there is one. */
  default?: string;
  description: string;
}

interface Unwrapped {
  schema: z.ZodTypeAny;
  optional: boolean;
  default?: unknown;
  hasDefault: boolean;
  description?: string;
}

function unwrap(schema: z.ZodTypeAny): Unwrapped {
  const u: Unwrapped = { schema, optional: false, hasDefault: false, description: schema.description };
  for (;;) {
    const s = u.schema;
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      if (s instanceof z.ZodOptional) u.optional = true;
      u.schema = s.unwrap();
    } else if (s instanceof z.ZodDefault) {
      u.hasDefault = true;
      u.default = s._def.defaultValue();
      u.schema = s._def.innerType;
    } else if (s instanceof z.ZodEffects) u.schema = s.innerType();
    else break;
    u.description ??= u.schema.description;
  }
  return u;
}

/** The fields of an object schema (through refine/default wrappers). */
export function configFields(schema: z.ZodTypeAny): ConfigField[] {
  const obj = unwrap(schema).schema;
  if (!(obj instanceof z.ZodObject)) return [];
  return Object.entries(obj.shape as Record<string, z.ZodTypeAny>).map(([name, field]) => {
    const u = unwrap(field);
    return {
      name,
      type: typeName(u.schema),
      required: !u.optional && !u.hasDefault && !(u.schema instanceof z.ZodUnknown) && !(u.schema instanceof z.ZodAny),
      default: u.hasDefault ? JSON.stringify(u.default) : undefined,
      description: u.description ?? '',
    };
  });
}

export function typeName(s: z.ZodTypeAny): string {
  const u = unwrap(s).schema;
  if (u instanceof z.ZodString) return 'string';
  if (u instanceof z.ZodNumber) return u.isInt ? 'integer' : 'number';
  if (u instanceof z.ZodBoolean) return 'boolean';
  if (u instanceof z.ZodEnum) return (u.options as string[]).map((o) => `\`${o}\``).join(' | ');
  if (u instanceof z.ZodLiteral) return `\`${String(u.value)}\``;
  if (u instanceof z.ZodArray) return `${typeName(u.element as z.ZodTypeAny)}[]`;
  if (u instanceof z.ZodRecord) return `map of ${typeName(u.valueSchema as z.ZodTypeAny)}`;
  if (u instanceof z.ZodObject) return 'object';
  if (u instanceof z.ZodUnion) return (u.options as z.ZodTypeAny[]).map(typeName).join(' | ');
  return 'any';
}

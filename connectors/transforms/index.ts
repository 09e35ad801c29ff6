/** The single-message transforms available to connectors, by Kafka Connect name. */
import { z } from 'zod';
import { didYouMean } from '../../core/util/closest-name.js';
import type { Transform } from '../../core/worker/transform.js';
import { filterRecords, filterSchema } from './filter.js';
import { insertField, insertFieldSchema } from './insert-field.js';
import { replaceField, replaceFieldSchema } from './replace-field.js';
import { route, routeSchema } from './route.js';
import { valueToKey, valueToKeySchema } from './value-to-key.js';

export const transformSchema = z.union([insertFieldSchema, replaceFieldSchema, valueToKeySchema, filterSchema, routeSchema]);
export type TransformConfig = z.output<typeof transformSchema>;

/** Each transform by its Kafka Connect name, with its config schema (for validation, `sluice connectors`, docs). */
export const transformDefinitions: Array<{ name: TransformConfig['type']; description: string; config: z.ZodTypeAny }> = [
  { name: 'InsertField', description: 'sets a field of the JSON value to a static value or the record\'s topic, partition, offset or timestamp', config: insertFieldSchema },
  { name: 'ReplaceField', description: 'keeps, drops and renames fields of the JSON value', config: replaceFieldSchema },
  { name: 'ValueToKey', description: 'makes the key from fields of the JSON value', config: valueToKeySchema },
  { name: 'Filter', description: 'keeps (or drops) records whose field equals a value, is in a list, or matches a regex', config: filterSchema },
  { name: 'Route', description: 'sends each record to a topic named from its fields', config: routeSchema },
];

/**
 * Validates one transform's config against the schema its `type` names, so a mistake says which
 * transform and which field ("InsertField: field: Required"), never a bare "Invalid input".
 */
export function parseTransform(raw: unknown): { success: true; data: TransformConfig } | { success: false; path: Array<string | number>; message: string } {
  const type = raw !== null && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
  const known = transformDefinitions.map((t) => t.name);
  if (typeof type !== 'string') return { success: false, path: ['type'], message: `Required: one of ${known.join(', ')}` };
  const def = transformDefinitions.find((t) => t.name === type);
  if (!def) return { success: false, path: ['type'], message: `"${type}" is not a transform${didYouMean(type, known)}; known: ${known.join(', ')}` };
  const res = def.config.safeParse(raw);
  if (res.success) return { success: true, data: res.data as TransformConfig };
  const issue = res.error.issues[0]!;
  return { success: false, path: issue.path, message: `${type}: ${issue.message}` };
}

export function createTransform(cfg: TransformConfig): Transform {
  switch (cfg.type) {
    case 'InsertField':
      return insertField(cfg);
    case 'ReplaceField':
      return replaceField(cfg);
    case 'ValueToKey':
      return valueToKey(cfg);
    case 'Filter':
      return filterRecords(cfg);
    case 'Route':
      return route(cfg);
  }
}

export { insertField, replaceField, valueToKey, filterRecords, route };

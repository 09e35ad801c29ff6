/** The single-message transforms available to connectors, by Kafka Connect name. */
import { z } from 'zod';
import type { Transform } from '../../core/worker/transform.js';
import { filterRecords, filterSchema } from './filter.js';
import { insertField, insertFieldSchema } from './insert-field.js';
import { replaceField, replaceFieldSchema } from './replace-field.js';
import { route, routeSchema } from './route.js';
import { valueToKey, valueToKeySchema } from './value-to-key.js';

export const transformSchema = z.union([insertFieldSchema, replaceFieldSchema, valueToKeySchema, filterSchema, routeSchema]);
export type TransformConfig = z.output<typeof transformSchema>;

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

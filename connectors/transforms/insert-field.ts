/** InsertField: adds a static value, or the record's topic/partition/offset/timestamp, to the JSON value. */
import { z } from 'zod';
import { jsonValue, withJsonValue } from './json-value.js';
import type { Transform } from '../../core/worker/transform.js';

export const insertFieldSchema = z.object({
  type: z.literal('InsertField'),
  field: z.string().min(1).describe('name of the field to set'),
  value: z.unknown().optional().describe('a static value'),
  from: z.enum(['topic', 'partition', 'offset', 'timestamp']).optional().describe('take the value from the record instead'),
});

export function insertField(cfg: z.output<typeof insertFieldSchema>): Transform {
  return (r) => {
    const v = jsonValue(r);
    if (!v) return r;
    const rec = r as typeof r & { offset?: number };
    const value = cfg.from === undefined ? cfg.value : cfg.from === 'timestamp' ? r.timestamp : cfg.from === 'topic' ? r.topic : cfg.from === 'partition' ? r.partition : rec.offset;
    return withJsonValue(r, { ...v, [cfg.field]: value ?? null });
  };
}

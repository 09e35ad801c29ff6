/** ReplaceField: keeps only `include`, drops `exclude`, and renames fields of the JSON value. */
import { z } from 'zod';
import { jsonValue, withJsonValue } from './json-value.js';
import type { Transform } from '../../core/worker/transform.js';

export const replaceFieldSchema = z.object({
  type: z.literal('ReplaceField'),
  include: z.array(z.string()).optional().describe('fields to keep (all when omitted)'),
  exclude: z.array(z.string()).default([]).describe('fields to drop'),
  renames: z.record(z.string()).default({}).describe('old name → new name'),
});

export function replaceField(cfg: z.output<typeof replaceFieldSchema>): Transform {
  const include = cfg.include ? new Set(cfg.include) : null;
  const exclude = new Set(cfg.exclude);
  return (r) => {
    const v = jsonValue(r);
    if (!v) return r;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) {
      if (include && !include.has(k)) continue;
      if (exclude.has(k)) continue;
      out[cfg.renames[k] ?? k] = val;
    }
    return withJsonValue(r, out);
  };
}

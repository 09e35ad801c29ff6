/** ValueToKey: the key becomes a JSON object of the given value fields (or the bare value of one field with `single`). */
import { z } from 'zod';
import { getPath, jsonValue } from './json-value.js';
import type { Transform } from '../../core/worker/transform.js';

export const valueToKeySchema = z.object({
  type: z.literal('ValueToKey'),
  fields: z.array(z.string()).min(1).describe('value fields that make the key'),
  single: z.boolean().default(false).describe('with one field: use its value as the key text instead of an object'),
});

export function valueToKey(cfg: z.output<typeof valueToKeySchema>): Transform {
  return (r) => {
    const v = jsonValue(r);
    if (!v) return r;
    if (cfg.single) {
      const k = getPath(v, cfg.fields[0]!);
      return { ...r, key: k === undefined || k === null ? null : typeof k === 'string' ? k : JSON.stringify(k) };
    }
    const key: Record<string, unknown> = {};
    for (const f of cfg.fields) key[f] = getPath(v, f) ?? null;
    return { ...r, key: JSON.stringify(key) };
  };
}

/** Filter: keeps (or drops, with `drop: true`) records whose value field equals a value, is in a list, or matches a regex. */
import { z } from 'zod';
import { getPath, jsonValue } from './json-value.js';
import type { Transform } from '../../core/worker/transform.js';

export const filterSchema = z
  .object({
    type: z.literal('Filter'),
    field: z.string().min(1).describe('value field to test (dotted path)'),
    equals: z.unknown().optional().describe('keep records whose field equals this value'),
    in: z.array(z.unknown()).optional().describe('keep records whose field is one of these values'),
    matches: z.string().optional().describe('regular expression tested against the field as text'),
    drop: z.boolean().default(false).describe('drop matching records instead of keeping them'),
  })
  .refine((c) => c.equals !== undefined || c.in !== undefined || c.matches !== undefined, { message: 'Filter needs one of equals, in or matches' });

export function filterRecords(cfg: z.output<typeof filterSchema>): Transform {
  const re = cfg.matches === undefined ? null : new RegExp(cfg.matches);
  const set = cfg.in ? cfg.in.map((x) => JSON.stringify(x)) : null;
  return (r) => {
    const v = jsonValue(r);
    const f = v ? getPath(v, cfg.field) : undefined;
    let match = false;
    if (cfg.equals !== undefined) match = JSON.stringify(f) === JSON.stringify(cfg.equals);
    else if (set) match = set.includes(JSON.stringify(f));
    else if (re) match = f !== undefined && re.test(typeof f === 'string' ? f : JSON.stringify(f));
    return match !== cfg.drop ? r : null;
  };
}

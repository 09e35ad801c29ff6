/** Route: sends the record to a topic named from a value field, through a template ("orders-{region}"). */
import { z } from 'zod';
import { getPath, jsonValue } from './json-value.js';
import type { Transform } from '../../core/worker/transform.js';

export const routeSchema = z.object({
  type: z.literal('Route'),
  topic: z.string().min(1).describe('template: {field.path} is replaced by that value field; {topic} by the current topic'),
  fallback: z.string().optional().describe('topic when a field is missing (else the record keeps its topic)'),
});

export function route(cfg: z.output<typeof routeSchema>): Transform {
  return (r) => {
    const v = jsonValue(r) ?? {};
    let missing = false;
    const topic = cfg.topic.replace(/\{([^}]+)\}/g, (_, path: string) => {
      if (path === 'topic') return r.topic ?? '';
      const f = getPath(v, path);
      if (f === undefined || f === null) missing = true;
      return String(f ?? '').replace(/[^a-zA-Z0-9._-]/g, '_');
    });
    if (missing) return cfg.fallback ? { ...r, topic: cfg.fallback } : r;
    return { ...r, topic };
  };
}

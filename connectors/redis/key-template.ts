/**
 * Redis key templates: literal text with placeholders `{key}` (the record key), `{topic}`,
 * `{partition}` and `{value.<field>}` / `{value.<a>.<b>}` (a field of the JSON value). Compiled
 * once; rendering a record that lacks what the template needs throws RedisRecordError.
 */
import type { SinkRecord } from '../../core/worker/contracts.js';
import { RedisRecordError } from './errors.js';

type Part = { text: string } | { key: true } | { topic: true } | { partition: true } | { value: string[] };

export interface KeyTemplate {
  /** True when a placeholder reads the value (tombstones cannot be addressed then). */
  readonly usesValue: boolean;
  render(rec: SinkRecord, value: unknown): string;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** A description of what is wrong with the template, or null. */
export function keyTemplateProblem(template: string): string | null {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (name === 'key' || name === 'topic' || name === 'partition') continue;
    if (/^value(\.[^.]+)+$/.test(name)) continue;
    return `unknown placeholder "{${name}}" (use {key}, {topic}, {partition} or {value.<field>})`;
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{') || rest.includes('}')) return 'unbalanced "{" or "}"';
  return null;
}

export function compileKeyTemplate(template: string): KeyTemplate {
  const problem = keyTemplateProblem(template);
  if (problem) throw new RedisRecordError(`key template "${template}": ${problem}`);
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index! > last) parts.push({ text: template.slice(last, m.index) });
    const name = m[1]!;
    parts.push(name === 'key' ? { key: true } : name === 'topic' ? { topic: true } : name === 'partition' ? { partition: true } : { value: name.split('.').slice(1) });
    last = m.index! + m[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  const usesValue = parts.some((p) => 'value' in p);
  return {
    usesValue,
    render(rec, value) {
      let out = '';
      for (const p of parts) {
        if ('text' in p) out += p.text;
        else if ('key' in p) {
          if (rec.key === null) throw new RedisRecordError(`record ${rec.topic}/${rec.partition}@${rec.offset} has no key for "{key}" in "${template}"`);
          out += rec.key.toString('utf8');
        } else if ('topic' in p) out += rec.topic;
        else if ('partition' in p) out += String(rec.partition);
        else out += fieldText(rec, value, p.value, template);
      }
      return out;
    },
  };
}

function fieldText(rec: SinkRecord, value: unknown, path: string[], template: string): string {
  let v: unknown = value;
  for (const f of path) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[f] : undefined;
  if (v === undefined || v === null) {
    const what = rec.value === null ? 'is a tombstone' : `has no field "${path.join('.')}"`;
    throw new RedisRecordError(`record ${rec.topic}/${rec.partition}@${rec.offset} ${what} for "${template}"`);
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

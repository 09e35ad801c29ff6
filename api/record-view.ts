/**
 * A record as the API shows it: key, value and headers decoded as text (UTF-8), pretty JSON, or
 * hex for bytes. Contents are data, never markup: the console renders them as text only.
 */
import { z } from 'zod';
import type { LogRecord } from '../core/log/types.js';

export const decodeSchema = z.enum(['string', 'json', 'hex']).default('string').describe('how keys, values and headers are shown: UTF-8 text, indented JSON (text when not JSON), or hex bytes');
export type Decode = z.output<typeof decodeSchema>;

export const recordView = z.object({
  partition: z.number().int(),
  offset: z.number().int(),
  timestamp: z.number().int(),
  key: z.string().nullable(),
  value: z.string().nullable().describe('null: a tombstone'),
  headers: z.record(z.string()),
  /** What `value` is: the decode asked for, or `string` where JSON was asked but the value is not JSON. */
  valueFormat: z.enum(['string', 'json', 'hex']),
  size: z.number().int().describe('bytes of key, value and headers'),
});
export type RecordView = z.output<typeof recordView>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text when the bytes are valid UTF-8, else hex. */
export function text(b: Buffer): string {
  try {
    return utf8.decode(b);
  } catch {
    return b.toString('hex');
  }
}

function decode(b: Buffer | null, how: Decode): { text: string | null; format: RecordView['valueFormat'] } {
  if (b === null) return { text: null, format: how };
  if (how === 'hex') return { text: b.toString('hex'), format: 'hex' };
  const s = text(b);
  if (how === 'json') {
    try {
      return { text: JSON.stringify(JSON.parse(s), null, 2), format: 'json' };
    } catch {
      return { text: s, format: 'string' };
    }
  }
  return { text: s, format: 'string' };
}

export function viewRecord(partition: number, r: LogRecord, how: Decode): RecordView {
  const headers: Record<string, string> = {};
  let size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of Object.entries(r.headers)) {
    headers[k] = how === 'hex' ? v.toString('hex') : text(v);
    size += k.length + v.length;
  }
  const value = decode(r.value, how);
  return { partition, offset: r.offset, timestamp: r.timestamp, key: decode(r.key, how === 'json' ? 'string' : how).text, value: value.text, headers, valueFormat: value.format, size };
}

/** Whether a record matches the browse filters (exact key; text anywhere in key, value or headers). */
export function matches(r: LogRecord, key: string | undefined, q: string | undefined): boolean {
  if (key !== undefined && (r.key === null || text(r.key) !== key)) return false;
  if (q === undefined) return true;
  const needle = q.toLowerCase();
  if (r.key && text(r.key).toLowerCase().includes(needle)) return true;
  if (r.value && text(r.value).toLowerCase().includes(needle)) return true;
  return Object.entries(r.headers).some(([k, v]) => k.toLowerCase().includes(needle) || text(v).toLowerCase().includes(needle));
}

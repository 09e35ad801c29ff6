/**
 * How `sluice consume` prints a record: tab-separated columns (kafka-console-consumer's print.*
 * properties), a kcat-like `-f` template, or one JSON object per line for scripts.
 */
import type { LogRecord } from '../core/log/types.js';
import { UsageError } from './args.js';

export type RecordPrinter = (topic: string, partition: number, r: LogRecord) => string;

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

/** Headers as kafka-console-consumer prints them: `k1:v1,k2:v2`, or NO_HEADERS. */
function headersText(h: Record<string, Buffer>): string {
  const entries = Object.entries(h);
  return entries.length === 0 ? 'NO_HEADERS' : entries.map(([k, v]) => `${k}:${v.toString('utf8')}`).join(',');
}

export interface ColumnOptions {
  partition: boolean;
  offset: boolean;
  timestamp: boolean;
  key: boolean;
  headers: boolean;
}

/** The requested fields in the order partition, offset, timestamp, key, headers, then the value; tab-separated. */
export function columns(o: ColumnOptions): RecordPrinter {
  return (_topic, partition, r) => {
    const f: string[] = [];
    if (o.partition) f.push(String(partition));
    if (o.offset) f.push(String(r.offset));
    if (o.timestamp) f.push(String(r.timestamp));
    if (o.key) f.push(text(r.key) ?? 'null');
    if (o.headers) f.push(headersText(r.headers));
    f.push(text(r.value) ?? 'null');
    return f.join('\t') + '\n';
  };
}

/** {"topic","partition","offset","timestamp","key","value","headers"}: key, value and header values as UTF-8 text (null for none). */
export const jsonLines: RecordPrinter = (topic, partition, r) =>
  JSON.stringify({
    topic,
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: text(r.key),
    value: text(r.value),
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString('utf8')])),
  }) + '\n';

export const TEMPLATE_HELP = '%t topic, %p partition, %o offset, %T timestamp, %k key, %K key length, %s value, %S value length, %h headers, %% a %; \\n \\t \\r \\\\ escapes (kcat -f)';

/** Compiles a kcat-like format template once; unknown tokens are refused naming them. */
export function template(format: string, flag: string): RecordPrinter {
  const parts: Array<string | ((t: string, p: number, r: LogRecord) => string)> = [];
  let lit = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '\\' && i + 1 < format.length) {
      const e = format[++i]!;
      const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '0': '\0' };
      if (!(e in esc)) throw new UsageError(`${flag}: unknown escape "\\${e}" (known: \\n \\t \\r \\\\ \\0)`);
      lit += esc[e];
      continue;
    }
    if (c !== '%') {
      lit += c;
      continue;
    }
    const t = format[++i];
    const token: Record<string, (topic: string, p: number, r: LogRecord) => string> = {
      t: (topic) => topic,
      p: (_t, p) => String(p),
      o: (_t, _p, r) => String(r.offset),
      T: (_t, _p, r) => String(r.timestamp),
      k: (_t, _p, r) => text(r.key) ?? '',
      K: (_t, _p, r) => String(r.key === null ? -1 : r.key.length),
      s: (_t, _p, r) => text(r.value) ?? '',
      S: (_t, _p, r) => String(r.value === null ? -1 : r.value.length),
      h: (_t, _p, r) => headersText(r.headers),
    };
    if (t === '%') {
      lit += '%';
      continue;
    }
    if (t === undefined || !(t in token)) throw new UsageError(`${flag}: unknown token "%${t ?? ''}" in "${format}" (${TEMPLATE_HELP})`);
    if (lit) parts.push(lit);
    lit = '';
    parts.push(token[t]!);
  }
  if (lit) parts.push(lit);
  return (topic, partition, r) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(topic, partition, r);
    return out;
  };
}

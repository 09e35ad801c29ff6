/**
 * Webhook bodies: a JSON document (an array gives one record per element, anything else one
 * record) or NDJSON (one JSON value per non-blank line). Errors name the line of the body.
 */
import { MalformedBodyError } from './errors.js';
import { jsonErrorOffset, lineColumn } from './json-error.js';

export type BodyFormat = 'json' | 'ndjson' | 'sniff';

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines', 'text/plain']);

/** The format a Content-Type asks for, or null when it is not one this source reads. */
export function bodyFormat(contentType: string | undefined): BodyFormat | null {
  if (!contentType) return 'sniff';
  const semi = contentType.indexOf(';');
  const mime = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (mime === 'application/json' || mime.endsWith('+json')) return 'json';
  if (NDJSON_TYPES.has(mime)) return 'ndjson';
  return null;
}

/** The values of a body. Throws MalformedBodyError naming the line. */
export function parseBody(text: string, format: BodyFormat): unknown[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (format === 'ndjson') return parseNdjson(text);
  if (format === 'json') return parseJson(text);
  // No Content-Type: one JSON document if it is one, else NDJSON (whose errors name a line).
  try {
    return parseJson(text);
  } catch {
    return parseNdjson(text);
  }
}

function parseJson(text: string): unknown[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = jsonErrorOffset(text);
    const { line, column } = lineColumn(text, at < 0 ? text.length : at);
    throw new MalformedBodyError(line, column, plainMessage(err));
  }
  return Array.isArray(doc) ? doc : [doc];
}

function parseNdjson(text: string): unknown[] {
  const out: unknown[] = [];
  let line = 0;
  let start = 0;
  const n = text.length;
  while (start < n) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = n;
    line++;
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (end > start) {
      const src = text.slice(start, end);
      try {
        out.push(JSON.parse(src));
      } catch (err) {
        if (src.trim() !== '') {
          const at = jsonErrorOffset(src);
          throw new MalformedBodyError(line, (at < 0 ? src.length : at) + 1, plainMessage(err));
        }
      }
    }
    start = nl + 1;
  }
  return out;
}

/** V8's message without its "in JSON at position N" (the line and column say where). */
function plainMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '');
}

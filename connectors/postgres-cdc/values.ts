/**
 * Column values, from the text Postgres sends, to JSON (the documented mapping):
 * smallint/integer/real/double → number; bigint → number when safe, else string; numeric → string
 * (exact); boolean → boolean; text/varchar/char/uuid → string; date → "YYYY-MM-DD"; timestamp →
 * ISO text without zone; timestamptz → ISO text in UTC; bytea → base64; json/jsonb → the value;
 * one-dimensional arrays of these → arrays; anything else → its text. An unchanged TOAST value
 * (pgoutput's 'u') becomes Debezium's marker, never null.
 */
import { UNCHANGED_TOAST, type TupleValue } from './pgoutput.js';

export const UNAVAILABLE = '__debezium_unavailable_value';

const BOOL = 16, INT8 = 20, INT2 = 21, INT4 = 23, OID = 26, FLOAT4 = 700, FLOAT8 = 701, NUMERIC = 1700;
const BYTEA = 17, JSON_ = 114, JSONB = 3802, DATE = 1082, TIMESTAMP = 1114, TIMESTAMPTZ = 1184;
/** Array type OID → element type OID. */
const ARRAYS: Record<number, number> = { 1000: BOOL, 1005: INT2, 1007: INT4, 1016: INT8, 1021: FLOAT4, 1022: FLOAT8, 1231: NUMERIC, 1009: 25, 1015: 1043, 2951: 2950, 199: JSON_, 3807: JSONB, 1182: DATE, 1115: TIMESTAMP, 1185: TIMESTAMPTZ, 1001: BYTEA };

function scalar(text: string, oid: number): unknown {
  switch (oid) {
    case BOOL:
      return text === 't' || text === 'true';
    case INT2:
    case INT4:
    case OID:
      return Number(text);
    case INT8: {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case FLOAT4:
    case FLOAT8:
      return text === 'NaN' || text === 'Infinity' || text === '-Infinity' ? text : Number(text);
    case NUMERIC:
      return text;
    case BYTEA:
      return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex').toString('base64') : Buffer.from(text, 'binary').toString('base64');
    case JSON_:
    case JSONB:
      return JSON.parse(text);
    case TIMESTAMP:
      return text.includes('infinity') ? text : text.replace(' ', 'T');
    case TIMESTAMPTZ:
      return timestamptz(text);
    default:
      return text;
  }
}

/**
 * timestamptz text ("2024-01-02 03:04:05.678901+02") → ISO text in UTC keeping every fractional
 * digit Postgres has (microseconds; a JS Date alone would cut them to milliseconds), at least three.
 */
function timestamptz(text: string): string {
  // The common case, a session in UTC: "2024-01-02 03:04:05.678901+00".
  if (text.length >= 22 && text.endsWith('+00') && text[10] === ' ') {
    const time = text.slice(11, -3);
    const fraction = time.length === 8 ? '.000' : time.length < 12 ? time.slice(8).padEnd(4, '0') : time.slice(8);
    return `${text.slice(0, 10)}T${time.slice(0, 8)}${fraction}Z`;
  }
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(text);
  if (!m) return text; // infinity, BC dates, years past 9999: Postgres's own text
  const [, date, time, fraction = '', hours, minutes = '00', seconds = '00'] = m;
  const d = new Date(`${date}T${time}${hours}:${minutes}`);
  if (Number.isNaN(d.getTime())) return text;
  if (seconds !== '00') d.setUTCSeconds(d.getUTCSeconds() - (hours.startsWith('-') ? -1 : 1) * Number(seconds));
  const digits = fraction.slice(1).padEnd(3, '0');
  return `${d.toISOString().slice(0, 19)}.${digits}Z`;
}

/** Parses a one-dimensional array literal such as {1,2,NULL} or {"a b","c\"d"}. */
function parseArray(text: string, elementOid: number): unknown[] {
  const out: unknown[] = [];
  if (text === '{}') return out;
  let i = 1;
  while (i < text.length - 1) {
    let item: string | null;
    if (text[i] === '"') {
      let s = '';
      i++;
      while (text[i] !== '"') {
        if (text[i] === '\\') i++;
        s += text[i++];
      }
      i++;
      item = s;
    } else {
      const end = text.indexOf(',', i) >= 0 && text.indexOf(',', i) < text.length - 1 ? text.indexOf(',', i) : text.length - 1;
      const raw = text.slice(i, end);
      i = end;
      item = raw === 'NULL' ? null : raw;
    }
    out.push(item === null ? null : scalar(item, elementOid));
    if (text[i] === ',') i++;
  }
  return out;
}

export function columnValue(v: TupleValue, oid: number): unknown {
  if (v === null) return null;
  if (v === UNCHANGED_TOAST) return UNAVAILABLE;
  const element = ARRAYS[oid];
  if (element !== undefined && v.startsWith('{')) return parseArray(v, element);
  return scalar(v, oid);
}

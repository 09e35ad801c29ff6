/**
 * A record key read without JSON.parse when it has the usual shape of a sink's keys: one field,
 * `{"name":123}` or `{"name":"text"}` in the compact form JSON.stringify and Kafka Connect's
 * JSON converter write. The key of every record is parsed (it names the row), and for keys this
 * small JSON.parse's fixed cost and the string made for it cost about as much as parsing the
 * record's value; here the field's name is the same string as the key before's when its bytes are
 * (keys of a topic share it), and an integer is read from its digits.
 *
 * Anything else — whitespace, escapes, more fields, fractions, exponents, integers of more than
 * 15 digits, nesting, bytes JSON forbids — returns undefined and the caller uses JSON.parse, so
 * the result is always what JSON.parse gives (test/connectors/postgres-sink-json-key.test.ts).
 */
import { plainStringEnd, QUOTE, sameBytes } from './json-bytes.js';

/** The name of the key before, and its bytes: a topic's keys share their field's name. */
let lastName = '';
let lastNameBytes: Buffer = Buffer.alloc(0);

/** `{"name":integer}` or `{"name":"string"}` as JSON.parse would give it; undefined when the key has another form. */
export function parseSimpleKey(buf: Buffer): Record<string, unknown> | undefined {
  const n = buf.length;
  if (n < 7 || buf[0] !== 0x7b || buf[1] !== QUOTE || buf[n - 1] !== 0x7d) return undefined;
  const nameEnd = plainStringEnd(buf, 2);
  if (nameEnd < 0 || buf[nameEnd + 1] !== 0x3a) return undefined;
  let name: string;
  if (sameBytes(lastNameBytes, buf, 2, nameEnd)) name = lastName;
  else {
    name = buf.toString('utf8', 2, nameEnd);
    lastName = name;
    lastNameBytes = Buffer.from(buf.subarray(2, nameEnd));
  }
  const v = nameEnd + 2;
  let value: string | number;
  if (buf[v] === QUOTE) {
    const end = plainStringEnd(buf, v + 1);
    if (end !== n - 2) return undefined;
    value = buf.toString('utf8', v + 1, end);
  } else {
    // An integer: -?(0|[1-9][0-9]*), at most 15 digits (exact in a double), then the closing brace.
    let i = v;
    const negative = buf[i] === 0x2d;
    if (negative) i++;
    const first = i;
    let x = 0;
    for (; i < n - 1; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) return undefined;
      x = x * 10 + d;
    }
    const digits = n - 1 - first;
    if (digits === 0 || digits > 15 || (buf[first] === 0x30 && digits > 1)) return undefined;
    value = negative ? -x : x;
  }
  // A computed name makes an own property even for "__proto__", as JSON.parse does.
  return { [name]: value };
}

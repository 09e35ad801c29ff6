/**
 * A record value read without JSON.parse when it is a flat JSON object in compact form
 * (`{"id":1,"name":"x","amount":12.5,"ok":true,"gone":null}`, as JSON.stringify and Kafka
 * Connect's JSON converter write it): the COPY path then copies each field's bytes into the COPY
 * text (copy-text.ts) instead of parsing the value into an object of strings and numbers and
 * printing them again. JSON.parse of values was ~41 % of the sink's own work in C2's profile, and
 * the objects it made a good part of its GC.
 *
 * A field is accepted only when its bytes are what the COPY path would print for JSON.parse's
 * value: strings with no escape and no control character (valid UTF-8), numbers whose text is
 * what String() gives the number (at most 15 significant digits, no exponent, no trailing zero in
 * a fraction, no "-0", no more than five zeros after "0."), true, false and null. Anything else —
 * whitespace, escapes, nesting, duplicate names, other numbers, not JSON at all — returns
 * undefined and the caller parses the value (test/connectors/postgres-sink-json-flat.test.ts
 * checks both give the same COPY text on every one-byte change of sample values).
 */
import { LETTER_N, plainStringEnd, QUOTE, sameBytes } from './json-bytes.js';

const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The field names of a value, in order; values of one topic share one (interned). */
export interface FlatShape {
  readonly names: readonly string[];
  readonly nameBytes: readonly Buffer[];
  /** The names in the order a JS object of them enumerates them (integer-like names first), as the parsed value's would. */
  readonly ordered: readonly string[];
  /** Name → its field's position. */
  readonly index: ReadonlyMap<string, number>;
}

/**
 * A flat value: for field k, buf[spans[2k], spans[2k + 1]) is a string's content (the byte before
 * it is a quote), or `null`, or a number's, true's or false's text.
 */
export interface FlatRow {
  readonly buf: Buffer;
  readonly shape: FlatShape;
  readonly spans: number[];
}

/** Shapes by their count and names joined with NUL (a name read here cannot hold one: it would be escaped; the count tells [] from [""]). */
const shapes = new Map<string, FlatShape | null>();
/** Bounds the shapes kept: a topic whose values have ever-new names does not grow it without end. */
const MAX_SHAPES = 1024;
/**
 * The shape of the value read last: tuned for a stream whose values share one shape, which then
 * costs no lookup. Values of alternating shapes (or two sinks in one process) look theirs up by
 * their names each time: correct, only slower.
 */
let lastShape: FlatShape = shapeOf([])!;

/** The interned shape of `names`; null when a name repeats (JSON.parse keeps the last, this reader declines). */
function shapeOf(names: string[]): FlatShape | null {
  const id = `${names.length}\u0000${names.join('\u0000')}`;
  let shape = shapes.get(id);
  if (shape !== undefined) return shape;
  if (new Set(names).size !== names.length) shape = null;
  else {
    const obj: Record<string, number> = {};
    // A computed name makes an own property even for "__proto__", as JSON.parse does.
    for (const n of names) Object.defineProperty(obj, n, { value: 0, enumerable: true, configurable: true, writable: true });
    shape = { names, nameBytes: names.map((n) => Buffer.from(n, 'utf8')), ordered: Object.keys(obj), index: new Map(names.map((n, k) => [n, k])) };
  }
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(id, shape);
  return shape;
}

/** The end of the number at `from` when String() of the number JSON.parse reads gives back its text; else -1. */
function canonicalNumberEnd(buf: Buffer, from: number): number {
  let i = from;
  if (buf[i] === MINUS) i++;
  const intStart = i;
  if (buf[i] === ZERO) i++;
  else while (buf[i]! >= ZERO && buf[i]! <= NINE) i++;
  if (i === intStart) return -1;
  // Significant digits: a 15-digit decimal is the shortest text of its double, which String() prints.
  let significant = buf[intStart] === ZERO ? 0 : i - intStart;
  if (buf[i] === DOT) {
    const fracStart = ++i;
    while (buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    if (i === fracStart || buf[i - 1] === ZERO) return -1;
    if (significant === 0) {
      let z = fracStart;
      while (buf[z] === ZERO) z++;
      if (z - fracStart > 5) return -1; // 1e-7 and below print with an exponent
      significant = i - z;
    } else significant += i - fracStart;
  } else if (significant === 0 && i - from === 2) return -1; // "-0": String(-0) is "0"
  if (significant > 15) return -1;
  return i;
}

/** Whether buf[at, at + word.length) is `word` (ASCII). */
function isWord(buf: Buffer, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (buf[at + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** The value's fields when it is a flat object of the accepted forms (see the header); else undefined. */
export function scanFlat(buf: Buffer): FlatRow | undefined {
  const n = buf.length;
  if (n < 2 || buf[0] !== LBRACE || buf[n - 1] !== RBRACE) return undefined;
  const spans: number[] = [];
  const prev = lastShape;
  /** This value's names, once they differ from the value before's (until then they are prev's). */
  let names: string[] | null = null;
  let f = 0;
  if (n > 2) {
    for (let i = 1; ; ) {
      if (buf[i] !== QUOTE) return undefined;
      const nameEnd = plainStringEnd(buf, i + 1);
      if (nameEnd < 0 || buf[nameEnd + 1] !== COLON) return undefined;
      if (names === null && !(f < prev.names.length && sameBytes(prev.nameBytes[f]!, buf, i + 1, nameEnd))) names = prev.names.slice(0, f);
      if (names !== null) names.push(buf.toString('utf8', i + 1, nameEnd));
      const v = nameEnd + 2;
      let end: number;
      const b = buf[v];
      if (b === QUOTE) {
        end = plainStringEnd(buf, v + 1);
        if (end < 0) return undefined;
        spans.push(v + 1, end++);
      } else {
        if (b === LETTER_N) end = isWord(buf, v, 'null') ? v + 4 : -1;
        else if (b === 0x74) end = isWord(buf, v, 'true') ? v + 4 : -1;
        else if (b === 0x66) end = isWord(buf, v, 'false') ? v + 5 : -1;
        else end = canonicalNumberEnd(buf, v);
        if (end < 0) return undefined;
        spans.push(v, end);
      }
      f++;
      if (buf[end] === COMMA) i = end + 1;
      else if (end === n - 1) break;
      else return undefined;
    }
  }
  const shape = names !== null ? shapeOf(names) : f === prev.names.length ? prev : shapeOf(prev.names.slice(0, f));
  if (shape === null) return undefined;
  lastShape = shape;
  return { buf, shape, spans };
}

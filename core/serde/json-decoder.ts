/**
 * JSON bytes to a value, with a fast path for the records of a stream: flat objects whose keys
 * come in the same order every time (what a producer's JSON.stringify writes). Such an object is
 * read straight from the bytes against the key layout of the previous one ("shape"): its keys are
 * compared as bytes, never made into strings, and the object is built by a function compiled once
 * per shape, so every record of a shape gets the same hidden class. Anything else — another key
 * order, whitespace, escapes, nested values, exponents, invalid JSON — goes to JSON.parse, whose
 * result is then the template for the next record's shape.
 *
 * The result always equals JSON.parse's: the fast path takes only what it reads exactly
 * (strings without escapes; numbers of at most 15 significant digits without exponent, which are
 * exact as doubles, divided by a power of ten at most 10^22, which IEEE division rounds correctly:
 * Clinger's fast path). On this machine it reads P2's events about 2x faster than
 * `JSON.parse(buf.toString())` (BENCHMARKS.md).
 */

import { asciiText, utf8Text } from './buffer-text.js';

interface Shape {
  /** Per key, the bytes `"key":` (and a comma before every key but the first). */
  readonly keys: Uint8Array[];
  /** Builds the object from the first `keys.length` values of the scratch array. */
  readonly make: (values: unknown[]) => object;
}

/** Objects with more keys take JSON.parse (the builder's source grows with the key count). */
const MAX_KEYS = 64;
/** Distinct shapes kept per decoder; when a new one comes beyond that, the old ones are forgotten. */
const MAX_SHAPES = 32;
/** After this many misses in a row, the fast path rests for REST_RECORDS records (data of no fixed shape). */
const MAX_MISSES = 64;
const REST_RECORDS = 4096;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MISS = Symbol('miss');
const utf8 = new TextEncoder();

export class JsonDecoder {
  private shape: Shape | undefined;
  private readonly shapes = new Map<string, Shape | null>();
  private readonly values: unknown[] = [];
  private misses = 0;
  private resting = 0;
  /** Values read by the fast path (for tests and profiles). */
  fastReads = 0;

  /** The value of JSON text in b[start, end) (UTF-8); throws JSON.parse's SyntaxError when it is not JSON. */
  decode(b: Buffer, start = 0, end = b.length): unknown {
    if (this.resting > 0) {
      this.resting--;
      return JSON.parse(utf8Text(b, start, end));
    }
    if (this.shape !== undefined) {
      const v = this.fast(b, start, end, this.shape);
      if (v !== MISS) {
        this.misses = 0;
        this.fastReads++;
        return v;
      }
    }
    return this.slow(b, start, end);
  }

  /**
   * Throws JSON.parse's SyntaxError when `b` is not JSON text, and builds nothing when the fast
   * path reads it: for a reader that checks JSON it hands on as bytes (the file source's JSONL).
   */
  validate(b: Buffer): void {
    if (this.resting > 0) {
      this.resting--;
      JSON.parse(utf8Text(b));
      return;
    }
    if (this.shape !== undefined && this.fast(b, 0, b.length, this.shape, false) !== MISS) {
      this.misses = 0;
      this.fastReads++;
      return;
    }
    this.slow(b, 0, b.length);
  }

  /** JSON.parse, whose result may become the shape of the fast path. */
  private slow(b: Buffer, start: number, end: number): unknown {
    const v: unknown = JSON.parse(utf8Text(b, start, end));
    if (b[start] === 0x7b) {
      // An object the fast path could not read: its layout becomes the shape, unless the data has
      // had no fixed shape for a while, in which case the fast path rests.
      if (++this.misses > MAX_MISSES) {
        this.misses = 0;
        this.resting = REST_RECORDS;
      } else this.learn(v as Record<string, unknown>);
    }
    return v;
  }

  /** Makes `o`'s key layout the current shape, if the fast path can reproduce objects like it. */
  private learn(o: Record<string, unknown>): void {
    const keys = Object.keys(o);
    if (keys.length === 0 || keys.length > MAX_KEYS) return;
    const signature = keys.join('\u0000');
    let shape = this.shapes.get(signature);
    if (shape === undefined) {
      shape = null;
      // A key the builder can write as a plain string literal, and set as an own property as
      // JSON.parse does (a literal `__proto__` would set the prototype); a value that is no object.
      const plain = (k: string) => k !== '__proto__' && JSON.stringify(k) === `"${k}"` && (o[k] === null || typeof o[k] !== 'object');
      if (keys.every(plain)) {
        if (this.shapes.size >= MAX_SHAPES) this.shapes.clear(); // the layouts of long ago make room
        const body = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
        let make: Shape['make'];
        try {
          make = new Function('v', `return { ${body} };`) as Shape['make'];
        } catch {
          // Code generation from strings is off (--disallow-code-generation-from-strings): JSON.parse only.
          this.resting = Number.MAX_SAFE_INTEGER;
          return;
        }
        shape = { keys: keys.map((k, i) => utf8.encode(`${i === 0 ? '' : ','}"${k}":`)), make };
      }
      this.shapes.set(signature, shape);
    }
    if (shape !== null) this.shape = shape;
  }

  /**
   * Reads b[start, end) as an object of `shape`, or MISS at the first byte that does not fit it.
   * Without `build` it only checks: no strings are made and the result is true.
   */
  private fast(b: Buffer, start: number, end: number, shape: Shape, build = true): unknown {
    if (start >= end || b[start] !== 0x7b) return MISS;
    let i = start + 1;
    const keys = shape.keys;
    const values = this.values;
    for (let f = 0; f < keys.length; f++) {
      const kb = keys[f]!;
      const kl = kb.length;
      if (i + kl > end) return MISS;
      for (let j = 0; j < kl; j++) if (b[i + j] !== kb[j]) return MISS;
      i += kl;
      let c = b[i];
      if (c === 0x22) {
        // A string: taken as it is when it has no escape; bytes >= 0x80 decode as UTF-8, exactly
        // as in a decode of the whole text, since the string starts and ends at ASCII quotes.
        const s = ++i;
        let high = false;
        for (;;) {
          if (i >= end) return MISS;
          c = b[i]!;
          if (c === 0x22) break;
          if (c === 0x5c || c < 0x20) return MISS;
          if (c >= 0x80) high = true;
          i++;
        }
        if (build) values[f] = high ? utf8Text(b, s, i) : asciiText(b, s, i);
        i++;
      } else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
        const neg = c === 0x2d;
        if (neg) i++;
        const s = i;
        let x = 0;
        for (; i < end; i++) {
          c = b[i]!;
          if (c < 0x30 || c > 0x39) break;
          x = x * 10 + (c - 0x30);
        }
        let digits = i - s;
        if (digits === 0 || (digits > 1 && b[s] === 0x30)) return MISS;
        if (i < end && b[i] === 0x2e) {
          const fs = ++i;
          for (; i < end; i++) {
            c = b[i]!;
            if (c < 0x30 || c > 0x39) break;
            x = x * 10 + (c - 0x30);
          }
          const fd = i - fs;
          if (fd === 0 || fd > 22) return MISS;
          digits += fd;
          x /= POW10[fd]!;
        }
        if (digits > 15 || b[i] === 0x65 || b[i] === 0x45) return MISS;
        values[f] = neg ? -x : x;
      } else if (c === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) {
        values[f] = true;
        i += 4;
      } else if (c === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) {
        values[f] = false;
        i += 5;
      } else if (c === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) {
        values[f] = null;
        i += 4;
      } else return MISS;
    }
    if (i + 1 !== end || b[i] !== 0x7d) return MISS;
    return build ? shape.make(values) : true;
  }
}

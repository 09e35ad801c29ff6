/**
 * The json serde's decoder reads flat objects of a known key layout straight from the bytes; its
 * results must equal JSON.parse's for every input, and it must throw where JSON.parse throws.
 * Checked against JSON.parse on seeded random texts that mix the fast path's shapes with
 * everything that must leave it.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JsonDecoder } from '../../core/serde/json-decoder.js';
import { mulberry32 } from '../../bench/lib.js';

/** What JSON.parse makes of the text, or the error class it throws. */
function reference(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(Buffer.from(text).toString()) };
  } catch (e) {
    return { error: (e as Error).constructor.name };
  }
}

function decoded(d: JsonDecoder, text: string): { value: unknown } | { error: string } {
  try {
    return { value: d.decode(Buffer.from(text)) };
  } catch (e) {
    return { error: (e as Error).constructor.name };
  }
}

/** Same value, same key order, same prototype, -0 kept apart from 0. */
function expectSame(text: string, got: ReturnType<typeof decoded>): void {
  const want = reference(text);
  expect(got, text).toEqual(want);
  if ('value' in want && 'value' in got && typeof want.value === 'object' && want.value !== null) {
    expect(Object.keys(got.value as object), text).toEqual(Object.keys(want.value));
    expect(Object.getPrototypeOf(got.value), text).toBe(Object.getPrototypeOf(want.value));
    for (const k of Object.keys(want.value)) if (typeof (want.value as Record<string, unknown>)[k] === 'number') expect(Object.is((got.value as Record<string, unknown>)[k], (want.value as Record<string, unknown>)[k]), `${text} .${k}`).toBe(true);
  }
}

describe('JsonDecoder', () => {
  it('decodes a stream of one shape like JSON.parse, with fresh objects', () => {
    const d = new JsonDecoder();
    const texts = ['{"userId":"user-00001","action":"hover","ts":1700000000000}', '{"userId":"user-00002","action":"click","ts":1700000000001}', '{"userId":"u","action":"idle","ts":-3}'];
    const seen = texts.map((t) => decoded(d, t));
    texts.forEach((t, i) => expectSame(t, seen[i]!));
    expect((seen[0] as { value: object }).value).not.toBe((seen[1] as { value: object }).value);
    expect(d.fastReads).toBe(2); // the first text teaches the shape
  });

  it('takes every edge of strings, numbers and literals exactly as JSON.parse does', () => {
    const values = [
      '0', '-0', '7', '-12', '1.5', '-0.25', '12.340', '0.1', '0.30000000000000004', '123456789012345', '1234567890123456', '12345678901234567890',
      '1e3', '1E-2', '2.5e+10', '01', '1.', '.5', '-', '--1', '+1', '0x10', '1.2.3',
      'true', 'false', 'null', 'tru', 'nul', 'falsey',
      '""', '"plain"', '"é ü 漢字 🎉"', '"a\\"b"', '"tab\\tx"', '"\\u00e9"', '"raw\tcontrol"', '"unterminated',
      '{"n":1}', '[1,2]', '{}', '[]',
    ];
    const d = new JsonDecoder();
    for (let round = 0; round < 2; round++) {
      for (const v of values) {
        for (const text of [`{"a":${v},"b":"x"}`, `{"a":"y","b":${v}}`, `{"a":${v}}`]) expectSame(text, decoded(d, text));
      }
    }
  });

  it('leaves the fast path for whitespace, other key orders, duplicates, __proto__ and trailing bytes', () => {
    const d = new JsonDecoder();
    const texts = [
      '{"a":1,"b":2}', '{"a":1,"b":2}', '{ "a":1,"b":2}', '{"a": 1,"b":2}', '{"a":1,"b":2} ', ' {"a":1,"b":2}', '{"a":1,"b":2}x', '{"a":1,"b":2}}',
      '{"b":2,"a":1}', '{"a":1,"a":2}', '{"a":1,"b":2,"c":3}', '{"a":1}', '{"\\u0061":1,"b":2}', '{"a":1,"b":2,}',
      '{"__proto__":{"x":1},"a":1}', '{"__proto__":1}', '{"__proto__":1}', '{"1":"x","b":2}', '{"b":2,"1":"x"}', '{"b":2,"1":"x"}',
      '{"a":1,"b":', '{"a":1,"b"', '{"a"', '{', '', 'null', '42', '"s"', '[{"a":1}]',
    ];
    for (const text of texts) expectSame(text, decoded(d, text));
  });

  it('matches JSON.parse on seeded random flat and nested objects', () => {
    const rnd = mulberry32(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const keys = ['id', 'userId', 'ts', 'amount', 'note', 'ok', 'k\u00e9y', '1', 'x'];
    const scalar = (): unknown => pick([() => Math.floor(rnd() * 1e6), () => -Math.round(rnd() * 1e4) / 100, () => rnd() * 1e-7, () => rnd() * 1e300, () => `s${Math.floor(rnd() * 100)}`, () => 'quote"\\back', () => '\u2028\u00e9', () => true, () => false, () => null])();
    const layouts = Array.from({ length: 6 }, () => Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => pick(keys)));
    const d = new JsonDecoder();
    for (let i = 0; i < 5000; i++) {
      const layout = rnd() < 0.8 ? layouts[0]! : pick(layouts);
      const o: Record<string, unknown> = {};
      for (const k of layout) o[k] = rnd() < 0.05 ? { nested: scalar() } : rnd() < 0.03 ? [scalar()] : scalar();
      let text = JSON.stringify(o);
      if (rnd() < 0.02) text = text.slice(0, Math.floor(rnd() * text.length)); // cut short: must throw
      expectSame(text, decoded(d, text));
    }
    expect(d.fastReads).toBeGreaterThan(1500);
  });

  it('keeps up with data of no fixed shape (the fast path rests) and comes back when a shape returns', () => {
    const d = new JsonDecoder();
    for (let i = 0; i < 300; i++) {
      const text = JSON.stringify({ [`k${i}`]: i, v: i });
      expectSame(text, decoded(d, text));
    }
    const before = d.fastReads;
    for (let i = 0; i < 5000; i++) {
      const text = JSON.stringify({ a: i, b: `x${i}` });
      expectSame(text, decoded(d, text));
    }
    expect(d.fastReads - before).toBeGreaterThan(500);
  });

  it('falls back to JSON.parse alone where code generation from strings is off', () => {
    const decoderUrl = new URL('../../core/serde/json-decoder.ts', import.meta.url).href;
    const script = `const { JsonDecoder } = await import(${JSON.stringify(decoderUrl)}); const d = new JsonDecoder(); const out = []; for (let i = 0; i < 3; i++) out.push(d.decode(Buffer.from('{"a":' + i + ',"b":"x"}'))); console.log(JSON.stringify({ out, fast: d.fastReads }));`;
    const stdout = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
    expect(JSON.parse(stdout)).toEqual({ out: [{ a: 0, b: 'x' }, { a: 1, b: 'x' }, { a: 2, b: 'x' }], fast: 0 });
  });
});

/**
 * The postgres sink reads keys of the usual shape (`{"name":123}`, `{"name":"text"}`) from their
 * bytes (connectors/postgres/json-key.ts): for every key, what it gives — or JSON.parse when it
 * declines — equals JSON.parse's result, including -0, unicode, names shared by consecutive keys
 * and a `__proto__` name (an own property, as JSON.parse makes it).
 */
import { describe, expect, it } from 'vitest';
import { parseSimpleKey } from '../../connectors/postgres/json-key.js';

/** What the sink gets for a key: the fast reading, or JSON.parse when it declines. */
const read = (text: string) => parseSimpleKey(Buffer.from(text, 'utf8')) ?? JSON.parse(text);

const fast = [
  '{"id":0}', '{"id":7}', '{"id":-0}', '{"id":-42}', '{"id":123456789012345}', '{"id":-999999999999999}',
  '{"k":"plain"}', '{"k":""}', '{"k":"é日本 😀"}', '{"ключ":"значение"}', '{"__proto__":1}', '{"constructor":"x"}',
];
const declined = [
  '{"id":1234567890123456}', '{"id":01}', '{"id":-}', '{"id":1.5}', '{"id":1e3}', '{"id":true}', '{"id":null}',
  '{"id": 1}', '{ "id":1}', '{"id":1 }', '{"id":1,"b":2}', '{"k":"a","b":"c"}', '{"k":"tab\\there"}', '{"k":"q\\"uote"}',
  '{"a\\"b":1}', '{"k":{"n":1}}', '{"k":[1]}', '{"":1}', '[1]', '"id"', '12', 'null',
];

describe('postgres sink: keys read from their bytes', () => {
  it('gives what JSON.parse gives for keys of the usual shape, and declines the others', () => {
    for (const text of fast) {
      const got = parseSimpleKey(Buffer.from(text, 'utf8'));
      expect(got, text).toBeDefined();
      expect(got, text).toStrictEqual(JSON.parse(text));
      expect(Object.getPrototypeOf(got), text).toBe(Object.prototype);
      const [k, v] = Object.entries(JSON.parse(text) as object)[0]!;
      expect(Object.is(got![k], v), text).toBe(true); // -0 stays -0
    }
    for (const text of declined) expect(parseSimpleKey(Buffer.from(text, 'utf8')), text).toBeUndefined();
  });

  it('equals JSON.parse on keys with a byte changed, removed or added anywhere (fast or declined, never different)', () => {
    const bytes = [...'{}":,-0159aé\\ \t\u0001'].map((c) => Buffer.from(c, 'utf8'));
    for (const text of [...fast, ...declined]) {
      const buf = Buffer.from(text, 'utf8');
      for (let i = 0; i <= buf.length; i++) {
        for (const b of bytes) {
          for (const variant of [Buffer.concat([buf.subarray(0, i), b, buf.subarray(i + 1)]), Buffer.concat([buf.subarray(0, i), b, buf.subarray(i)]), Buffer.concat([buf.subarray(0, i), buf.subarray(i + 1)])]) {
            const s = variant.toString('utf8');
            let want: unknown;
            try {
              want = JSON.parse(s);
            } catch {
              expect(parseSimpleKey(variant), s).toBeUndefined(); // not JSON: the sink's JSON.parse refuses it
              continue;
            }
            const got = parseSimpleKey(variant);
            if (got !== undefined) expect(got, s).toStrictEqual(want);
          }
        }
      }
    }
  });

  it('keeps the names of consecutive keys apart', () => {
    expect(read('{"a":1}')).toStrictEqual({ a: 1 });
    expect(read('{"b":1}')).toStrictEqual({ b: 1 });
    expect(read('{"ab":1}')).toStrictEqual({ ab: 1 });
    expect(read('{"a":"x"}')).toStrictEqual({ a: 'x' });
  });
});

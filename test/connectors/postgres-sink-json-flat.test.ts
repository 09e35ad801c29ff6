/**
 * The postgres sink's COPY path reads flat JSON values from their bytes (connectors/postgres/
 * json-flat.ts) and copies their fields into the COPY text: for every value — and every value
 * with a byte changed, removed or added anywhere — the COPY text and the columns it writes are
 * those of the JSON.parse path, or the reader declines (always, for text that is not JSON).
 * Columns of every kind the text depends on (text, numeric, json, jsonb), numbers at the edges of
 * what String() prints as they are written, unicode, null, a `__proto__` name and integer-like
 * names (which an object enumerates first).
 */
import { describe, expect, it } from 'vitest';
import { FlatUpsert, toChange, type Change } from '../../connectors/postgres/changes.js';
import { prepareCopy, type StagedChanges } from '../../connectors/postgres/copy-stage.js';
import { scanFlat } from '../../connectors/postgres/json-flat.js';
import type { TableInfo } from '../../connectors/postgres/table.js';

type Upsert = Extract<Change, { kind: 'upsert' }>;

const columns = new Map([
  ['id', 'bigint'],
  ['s', 'text'],
  ['n', 'numeric'],
  ['j', 'jsonb'],
  ['d', 'json'],
  ['b', 'boolean'],
  ['__proto__', 'text'],
  ['1', 'text'],
  ['é', 'text'],
]);
const info: TableInfo = { columns, baseTypes: columns, primaryKey: ['id'] };
const stage = { sql: 'pg_temp.s', columns: new Map([...columns.keys()].map((c, i) => [c, `c${i + 1}`])) };

/** The COPY text of one upsert with every column written, as bytes (a string would make invalid UTF-8 and its U+FFFD look equal). */
function copyText(u: Upsert): Buffer {
  const staged: StagedChanges = { table: { schema: 'public', name: 't' }, info, pk: ['id'], cols: [...columns.keys()], upserts: [u], deletes: [], onConflict: '' };
  return Buffer.concat(prepareCopy(stage, staged).chunks);
}

const fast = [
  '{}', '{"id":1}', '{"id":1,"s":"plain","n":12.5,"b":true,"j":null}', '{"s":"","n":0,"b":false}', '{"n":-0.5}', '{"n":0.000001}',
  '{"n":123456789012345}', '{"n":-99999.9999999999}', '{"n":1000}', '{"j":"text in json","d":42}', '{"d":"é日本 😀","j":false}',
  '{"s":"é日本 😀","é":"ключ"}', '{"__proto__":"p","1":"one","s":"x"}', '{"id":7,"s":"a","x":"unknown field"}', '{"s":"a","s2":"b"}',
];
const declined = [
  '{"n":1.50}', '{"n":1e3}', '{"n":-0}', '{"n":0.0000001}', '{"n":1234567890123456}', '{"n":01}', '{"n":.5}', '{"n":1.}',
  '{"s":"tab\\there"}', '{"s":"q\\"uote"}', '{"s":"\\u00e9"}', '{"j":{"a":1}}', '{"j":[1]}', '{"s":"a","s":"b"}',
  '{ "s":"a"}', '{"s": "a"}', '{"s":"a" }', '{"s":"a",}', '{,}', '[1]', '"s"', 'null', '{"s":nul}', '{"b":tru}', '{"b":falsey}',
];

/** What the COPY path writes for `text`: from its bytes when the reader takes it, else from JSON.parse; or the reader declined text that is not JSON. */
function check(text: string, buf = Buffer.from(text, 'utf8')): 'fast' | 'declined' {
  const key = { id: 99 };
  const flat = scanFlat(buf);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    expect(flat, text).toBeUndefined();
    return 'declined';
  }
  if (!flat) return 'declined';
  const row = parsed as Record<string, unknown>;
  const viaBytes = new FlatUpsert(key, flat);
  expect(copyText(viaBytes).equals(copyText({ kind: 'upsert', key, row })), text).toBe(true);
  expect(flat.shape.ordered, text).toStrictEqual(Object.keys(row));
  expect(viaBytes.row, text).toStrictEqual(row);
  return 'fast';
}

describe('postgres sink: flat values read from their bytes', () => {
  it('gives the COPY text of the JSON.parse path for flat values, and declines the others', () => {
    for (const text of fast) expect(check(text), text).toBe('fast');
    for (const text of declined) expect(check(text), text).toBe('declined');
  });

  it('equals the JSON.parse path on values with a byte changed, removed or added anywhere (fast or declined, never different)', () => {
    const bytes = [...'{}":,-.0159aeEé\\ \tnul\u0001'].map((c) => Buffer.from(c, 'utf8'));
    // Invalid UTF-8: a lone byte, a truncated sequence, a surrogate (ED A0 80), an overlong '/' (C0 AF).
    bytes.push(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]));
    let taken = 0;
    for (const text of [...fast, ...declined]) {
      const buf = Buffer.from(text, 'utf8');
      for (let i = 0; i <= buf.length; i++) {
        for (const b of bytes) {
          for (const variant of [Buffer.concat([buf.subarray(0, i), b, buf.subarray(i + 1)]), Buffer.concat([buf.subarray(0, i), b, buf.subarray(i)]), Buffer.concat([buf.subarray(0, i), buf.subarray(i + 1)])]) {
            if (check(variant.toString('utf8'), variant) === 'fast') taken++;
          }
        }
      }
    }
    expect(taken).toBeGreaterThan(1000); // the variants exercise the reader, not only its refusals
  });

  it('keeps the names of consecutive values apart (a shape shared, grown, shrunk, changed)', () => {
    for (const text of ['{"s":"a","n":1}', '{"s":"b","n":2}', '{"s":"c"}', '{"s":"d","n":3,"b":true}', '{"n":4,"s":"e"}', '{"s":"f","n":5}', '{"s2":"g"}']) {
      expect(check(text), text).toBe('fast');
    }
  });

  it('is taken by the sink\'s COPY changes only: a plain flat value with the record\'s key (not a Debezium envelope, a key from primaryKey, a delete, a value that is not flat, the statement path)', () => {
    const rec = (value: string | null) => ({ topic: 't', partition: 0, offset: 0, timestamp: 0, headers: {}, key: Buffer.from('{"id":1}'), value: value === null ? null : Buffer.from(value) });
    const flat = '{"id":1,"s":"a"}';
    expect(toChange(rec(flat), 'none', undefined, true)).toBeInstanceOf(FlatUpsert);
    expect(toChange(rec(flat), 'none', undefined, false)).not.toBeInstanceOf(FlatUpsert);
    expect(toChange(rec(flat), 'none', ['id'], true)).not.toBeInstanceOf(FlatUpsert);
    expect(toChange(rec('{"op":"c","after":{"id":1}}'), 'debezium', undefined, true)).not.toBeInstanceOf(FlatUpsert);
    expect(toChange(rec('{"id":1,"s":{"nested":true}}'), 'none', undefined, true)).not.toBeInstanceOf(FlatUpsert);
    expect(toChange(rec(null), 'none', undefined, true)).toMatchObject({ kind: 'delete' });
    // Each declined case is the JSON.parse path's plain upsert, with the same row.
    expect(toChange(rec(flat), 'none', ['id'], true)).toStrictEqual({ kind: 'upsert', key: { id: 1 }, row: { id: 1, s: 'a' } });
  });
});

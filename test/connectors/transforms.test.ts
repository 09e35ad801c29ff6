import { describe, expect, it } from 'vitest';
import { createTransform, transformSchema } from '../../connectors/transforms/index.js';

const rec = (value: object | string | null, extra: object = {}) => ({ key: null, value: value === null ? null : typeof value === 'string' ? value : JSON.stringify(value), topic: 'in', partition: 2, timestamp: 7, ...extra });
const t = (cfg: unknown) => createTransform(transformSchema.parse(cfg));
const val = (r: { value?: unknown } | null) => (r ? JSON.parse(String(r.value)) : r);

describe('single-message transforms', () => {
  it('InsertField adds static values and record coordinates without mutating the input', () => {
    const input = rec({ a: 1 });
    expect(val(t({ type: 'InsertField', field: 'src', value: 'web' })(input))).toEqual({ a: 1, src: 'web' });
    expect(val(t({ type: 'InsertField', field: 'p', from: 'partition' })(input))).toEqual({ a: 1, p: 2 });
    expect(val(t({ type: 'InsertField', field: 'ts', from: 'timestamp' })(input))).toEqual({ a: 1, ts: 7 });
    expect(input.value).toBe('{"a":1}');
  });

  it('ReplaceField includes, excludes and renames', () => {
    const input = rec({ a: 1, b: 2, c: 3 });
    expect(val(t({ type: 'ReplaceField', include: ['a', 'b'], renames: { a: 'alpha' } })(input))).toEqual({ alpha: 1, b: 2 });
    expect(val(t({ type: 'ReplaceField', exclude: ['c'] })(input))).toEqual({ a: 1, b: 2 });
  });

  it('ValueToKey builds the key from value fields', () => {
    expect(t({ type: 'ValueToKey', fields: ['id', 'region'] })(rec({ id: 5, region: 'eu', x: 1 }))!.key).toBe('{"id":5,"region":"eu"}');
    expect(t({ type: 'ValueToKey', fields: ['user.id'], single: true })(rec({ user: { id: 'u1' } }))!.key).toBe('u1');
  });

  it('Filter keeps or drops by equality, membership or regex', () => {
    expect(t({ type: 'Filter', field: 'kind', equals: 'a' })(rec({ kind: 'a' }))).not.toBeNull();
    expect(t({ type: 'Filter', field: 'kind', equals: 'a' })(rec({ kind: 'b' }))).toBeNull();
    expect(t({ type: 'Filter', field: 'kind', in: ['a', 'b'], drop: true })(rec({ kind: 'b' }))).toBeNull();
    expect(t({ type: 'Filter', field: 'email', matches: '@example\\.com$' })(rec({ email: 'x@example.com' }))).not.toBeNull();
    expect(() => transformSchema.parse({ type: 'Filter', field: 'x' })).toThrow(/equals, in or matches/);
  });

  it('Route names the topic from a field', () => {
    expect(t({ type: 'Route', topic: 'orders-{region}' })(rec({ region: 'eu west' }))!.topic).toBe('orders-eu_west');
    expect(t({ type: 'Route', topic: '{topic}-{kind}', fallback: 'misc' })(rec({}))!.topic).toBe('misc');
  });
});

import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.js';
import { bytes, json, SerdeError, string } from '../../core/serde/index.js';
import { windowedResult } from '../../processors/windows/window-common.js';

describe('serdes', () => {
  it('json round-trips values, null both ways', () => {
    const s = json<{ a: number[] }>();
    expect(s.deserialize(s.serialize({ a: [1, 2] }))).toEqual({ a: [1, 2] });
    expect(s.serialize(null as never)).toBeNull();
    expect(s.deserialize(null)).toBeNull();
  });

  it('json rejects bytes that are not JSON with a SerdeError that is not retriable', () => {
    const err = (() => {
      try {
        json().deserialize(Buffer.from('{oops'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SerdeError);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SerdeError).code).toBe('SERDE');
    expect((err as SerdeError).retriable).toBe(false);
    expect((err as SerdeError).message).toMatch(/^not JSON/);
  });

  it('json(schema) validates and transforms values, and names every failing field', () => {
    const Event = z.object({ userId: z.string(), ts: z.number().int(), action: z.enum(['hover', 'click']).default('hover') });
    const s = json(Event);
    expect(s.deserialize(Buffer.from('{"userId":"u1","ts":5}'))).toEqual({ userId: 'u1', ts: 5, action: 'hover' });
    let err: SerdeError | undefined;
    try {
      s.deserialize(Buffer.from('{"userId":7,"ts":1.5}'));
    } catch (e) {
      err = e as SerdeError;
    }
    expect(err).toBeInstanceOf(SerdeError);
    expect(err!.issues!.map((i) => i.path.join('.'))).toEqual(['userId', 'ts']);
    expect(err!.message).toMatch(/userId: Expected string, received number; ts: Expected integer/);
  });

  it('string and bytes', () => {
    expect(string().deserialize(string().serialize('héllo'))).toBe('héllo');
    expect(string().serialize(null as never)).toBeNull();
    const b = Buffer.from([0, 255, 7]);
    expect(bytes().serialize(b)).toBe(b);
    expect(bytes().deserialize(b)).toBe(b);
    expect(bytes().deserialize(null)).toBeNull();
  });

  it('json writes a windowed key from its cached key text exactly as JSON.stringify would', () => {
    const window = { start: 5000, end: 10_000 };
    for (const key of ['user-1', 'quote " and \\ and é', 42, { id: 7, tags: ['a'] }, null]) {
      const origin = { key, value: 1, timestamp: 5001, headers: {}, topic: 't', partition: 0, offset: 3 };
      const plain = JSON.stringify({ key, window });
      for (const r of [windowedResult(undefined as never, key, window, 1, 5001, origin, JSON.stringify(key)), windowedResult(undefined as never, key, window, 1, 5001, origin)]) {
        expect(json().serializeText!(r.key)).toBe(plain);
        expect(json().serialize(r.key)!.toString()).toBe(plain);
        expect(JSON.stringify(r.key)).toBe(plain);
        expect(r.key).toEqual({ key, window });
      }
    }
  });
});

/**
 * A key-value store's compaction-aware restore (processors/stores/latest-values.ts) ends with what
 * applying every changelog record in order to a Map gives — the same keys, values and Map order
 * (a key keeps its place when put again, a tombstone deletes, a key put again after its tombstone
 * moves to the end) — over runs of any size; and the key interner under it gives one id per distinct key bytes however many keys.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/lib.js';
import { RecordArrayCursor } from '../../../core/log/record-cursor.js';
import type { LogRecord } from '../../../core/log/types.js';
import { KeyInterner } from '../../../processors/stores/key-interner.js';
import { LatestValues } from '../../../processors/stores/latest-values.js';

const utf8 = (b: Buffer) => b.toString('utf8');

function changelog(n: number, keys: number, seed: number): LogRecord[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const k = Math.floor(rnd() * keys);
    const roll = rnd();
    return {
      key: roll < 0.02 ? null : Buffer.from(JSON.stringify(`key-${k}`)),
      value: roll < 0.25 ? null : Buffer.from(`{"n":${i}}`),
      headers: {},
      timestamp: i,
      offset: i,
    };
  });
}

describe('compaction-aware key-value restore', () => {
  it('gives the keys, values and Map order of applying every record in turn, over runs of any size', () => {
    for (const [n, keys, seed] of [
      [2000, 50, 1],
      [5000, 3000, 2],
      [300, 5, 3],
    ] as const) {
      const records = changelog(n, keys, seed);
      const applied = new Map<string, string>();
      for (const r of records) {
        if (r.key === null) continue;
        const k = r.key.toString();
        if (r.value === null) applied.delete(k);
        else applied.set(k, r.value.toString()); // an existing key keeps its place
      }
      for (const run of [1, 7, 1000, n]) {
        const latest = new LatestValues(utf8);
        for (let i = 0; i < records.length; i += run) latest.add(new RecordArrayCursor(records.slice(i, i + run)));
        expect(latest.live().map(([k, v]) => [k, v.toString()])).toEqual([...applied]);
        const seenKeys = new Set(records.filter((r) => r.key !== null).map((r) => r.key!.toString()));
        expect(new Set(latest.deleted())).toEqual(new Set([...seenKeys].filter((k) => !applied.has(k))));
      }
    }
  });

  it('moves a key put again after its tombstone to the end, as Map.delete and Map.set do', () => {
    const rec = (key: string, value: string | null, offset: number): LogRecord => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: {}, timestamp: 0, offset });
    const latest = new LatestValues(utf8);
    latest.add(new RecordArrayCursor([rec('a', '1', 0), rec('b', '2', 1), rec('a', null, 2), rec('c', '3', 3), rec('a', '4', 4), rec('b', '5', 5), rec('d', '', 6), rec('c', null, 7)]));
    expect(latest.live().map(([k, v]) => [k, v.toString()])).toEqual([
      ['b', '5'],
      ['a', '4'],
      ['d', ''],
    ]);
    expect([...latest.deleted()]).toEqual(['c']);
  });
});

describe('key interner', () => {
  it('gives one id per distinct key bytes, in first-seen order, for many keys of any length', () => {
    const interner = new KeyInterner(utf8);
    const rnd = mulberry32(7);
    const keys = Array.from({ length: 60_000 }, (_, i) => (i % 1000 === 0 ? '' : `k-${'x'.repeat(Math.floor(rnd() * 40))}${i}-ü`));
    keys[1] = keys[2]!; // a repeat
    const buf = Buffer.from(keys.join(''));
    const ids: number[] = [];
    const positions: Array<[number, number]> = [];
    let at = 0;
    for (const k of keys) {
      const len = Buffer.byteLength(k);
      positions.push([at, len]);
      ids.push(interner.id(buf, at, len));
      at += len;
    }
    const distinct = [...new Set(keys)];
    expect(interner.size).toBe(distinct.length);
    expect(interner.texts).toEqual(distinct);
    const index = new Map(distinct.map((k, i) => [k, i]));
    expect(ids).toEqual(keys.map((k) => index.get(k)));
    // Asked again (after every growth of its table), each key gives its id.
    expect(positions.map(([p, len]) => interner.id(buf, p, len))).toEqual(ids);
  });
});

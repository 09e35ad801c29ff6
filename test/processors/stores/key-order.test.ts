/** KeyOrder lists a window start's entries by key text as a sort would, as keys come and go. */
import { describe, expect, it } from 'vitest';
import { KeyOrder } from '../../../processors/stores/key-order.js';
import { mulberry32 } from '../../../bench/lib.js';

describe('KeyOrder', () => {
  it('orders every start like a sort of its key texts, with new keys arriving and old ones dropped', () => {
    const rnd = mulberry32(7);
    const order = new KeyOrder();
    const buckets: Array<Array<{ keyText: string }>> = [];
    for (let start = 0; start < 60; start++) {
      // Keys drift: each start draws from a range that moves, so most early keys stop being used.
      const texts = new Set<string>();
      for (let i = 0; i < 400; i++) texts.add(JSON.stringify(`k${Math.floor(start * 200 + rnd() * 600)}${rnd() < 0.1 ? 'é"' : ''}`));
      const bucket = [...texts].map((keyText) => ({ keyText }));
      buckets.push(bucket);
      const live = buckets.slice(-3);
      if (buckets.length > 3) buckets.shift();
      const out: Array<{ keyText: string }> = [];
      order.appendOrdered(new Map(bucket.map((e) => [e.keyText, e])), out, { count: () => live.reduce((n, b) => n + b.length, 0), keyTexts: () => live.flat().map((e) => e.keyText) });
      expect(out.map((e) => e.keyText)).toEqual([...texts].sort());
    }
  });
});

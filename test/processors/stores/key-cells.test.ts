/**
 * The join stores' shared key index (processors/stores/key-cells.ts), a hash table of its own:
 * against a Map as the oracle, through seeded random puts and drops that fill it past several
 * growths, churn keys in and out (deletions shift later cells of a probe run back), and empty it
 * again past its shrinks. Every key is asked for after every step.
 */
import { describe, expect, it } from 'vitest';
import { KeyCells, type KeyCell } from '../../../processors/stores/key-cells.js';
import { mulberry32 } from '../../../bench/lib.js';

describe('key cells', () => {
  it('finds exactly the keys that hold records, through growth, churn and shrinking', () => {
    const rnd = mulberry32(21);
    const cells = new KeyCells<number>();
    const lane = cells.lane();
    const oracle = new Map<string, KeyCell<number>>();
    // Texts of mixed lengths and characters, some sharing long prefixes.
    const texts = Array.from({ length: 6000 }, (_, i) => (i % 3 === 0 ? `order-${i}` : i % 3 === 1 ? `κλειδί-${i * 7919}` : `${'x'.repeat(i % 40)}${i}`));
    // Counted rather than asserted one by one (an expect per lookup would be most of the run).
    let wrong = 0;
    const check = (t: string) => {
      if (cells.find(t) !== oracle.get(t)) wrong++;
    };
    const put = (t: string) => {
      const c = cells.at(t);
      if (oracle.has(t)) expect(c).toBe(oracle.get(t));
      else {
        expect(c.count).toBe(0);
        expect(c.text).toBe(t);
        oracle.set(t, c);
      }
      c.count++;
      c.set(lane, (c.get(lane) as number | undefined ?? 0) + 1);
    };
    const drop = (t: string) => {
      const c = oracle.get(t)!;
      if (c.count === 1) oracle.delete(t);
      cells.dropped(c);
    };
    // Phases: fill to ~5 000 keys, churn at that size, drain to none.
    for (const [steps, pPut, span] of [
      [20_000, 0.8, 6000],
      [20_000, 0.5, 6000],
      [20_000, 0.1, 6000],
    ] as const) {
      for (let s = 0; s < steps; s++) {
        const t = texts[Math.floor(rnd() * span)]!;
        if (rnd() < pPut || !oracle.has(t)) {
          if (rnd() < pPut) put(t);
        } else drop(t);
        check(t);
        if (s % 1000 === 0) for (const u of texts) check(u);
      }
      for (const u of texts) check(u);
    }
    for (const t of [...oracle.keys()]) while (oracle.has(t)) drop(t);
    for (const u of texts) check(u);
    expect(wrong).toBe(0);
  });
});

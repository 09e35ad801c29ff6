/**
 * The client scenario every real client runs against the broker (test/fixtures/python/scenario.py
 * and its JS counterparts): produce N keyed records over 3 partitions, consume half in a group and
 * commit, resume in the same group from the commit. `checkScenario` asserts what a user would
 * check: nothing lost, nothing twice, and the second consumer starts exactly at the commits.
 */
import { expect } from 'vitest';

export interface ScenarioRecords {
  /** [partition, offset, value] */
  first: Array<[number, number, string]>;
  resumed: Array<[number, number, string]>;
  /** Committed offset per partition after the first consumer (null / -1: nothing committed there). */
  committed: Record<string, number | null>;
}

export function checkScenario(r: ScenarioRecords, n: number): void {
  expect(r.first.length, 'first consumer').toBe(n / 2);
  const all = [...r.first, ...r.resumed].map((x) => x[2]);
  expect(new Set(all).size, 'distinct values over both consumers').toBe(n);
  expect(all.length, 'no record twice').toBe(n);
  // The first consumer committed exactly past what it read, per partition.
  for (let p = 0; p < 3; p++) {
    const read = r.first.filter((x) => x[0] === p);
    const expected = read.length ? Math.max(...read.map((x) => x[1])) + 1 : null;
    const committed = r.committed[String(p)];
    if (expected === null) expect(committed === null || committed === undefined || committed < 0 || committed === 0).toBe(true);
    else expect(committed, `committed offset of partition ${p}`).toBe(expected);
    // The second consumer starts at the commit.
    const resumed = r.resumed.filter((x) => x[0] === p);
    if (resumed.length) expect(Math.min(...resumed.map((x) => x[1])), `first offset resumed on partition ${p}`).toBe(expected ?? 0);
  }
}

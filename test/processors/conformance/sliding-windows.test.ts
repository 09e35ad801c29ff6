/**
 * Sliding windows as Kafka Streams' KStreamSlidingWindowAggregate builds them: incrementally,
 * from the windows in its store, in arrival order. Each expected output is worked out from the
 * rules stated in the case (docs/dsl.md, "Sliding windows").
 */
import { describe, expect, it } from 'vitest';
import { aggregate, count, sliding, string, TestDriver, to, windowed } from '../../../processors/index.js';
import { ev, late, windowRow, type Ev } from './support.js';

/** Concatenates record ids: an aggregate that shows the order records were applied in. */
function concatenating(d: number, grace: number, emit: 'update' | 'final' = 'update', lateRecordsTopic?: string) {
  return new TestDriver((app) => {
    app.stream<string, Ev>('ev', { key: string() }).pipe(
      windowed(sliding(d, { grace })),
      aggregate(() => '', (acc: string, v: Ev) => acc + v.id, { emit, lateRecordsTopic }),
      to('out'),
    );
  });
}

async function feed(d: TestDriver, records: Array<[string, number, string]>) {
  for (const [user, ts, id] of records) await d.pipeInput('ev', [ev(user, ts, id)], { key: string() });
}

const rows = (d: TestDriver) => d.output('out').map(windowRow);

describe('incremental aggregation', () => {
  it('rule: an out-of-order record is applied to the windows it falls in after the records already there (arrival order, not timestamp order)', async () => {
    const d = concatenating(10, 100);
    // 30 'a': its left window [20,30].
    await feed(d, [['k', 30, 'a']]);
    expect(rows(d)).toEqual(['k@20,30="a"@30']);
    // 25 'b': updates [20,30] (b after a); creates its left window [15,25]; its right window
    // [26,36] holds a later record (30), so it is created from the aggregate of the window that
    // had it, without b.
    await feed(d, [['k', 25, 'b']]);
    expect(rows(d).slice(1)).toEqual(['k@20,30="ab"@30', 'k@15,25="b"@25', 'k@26,36="a"@30']);
    // 28 'c': updates [26,36] then [20,30] (newest window first), creates its left window [18,28]
    // from [15,25] (the previous record, 25, lies in it) and its right window [29,39] from 30.
    await feed(d, [['k', 28, 'c']]);
    expect(rows(d).slice(4)).toEqual(['k@26,36="ac"@30', 'k@20,30="abc"@30', 'k@18,28="bc"@28', 'k@29,39="a"@30']);
    await d.close();
  });

  it('rule: a record\'s right window is emitted only when the record creates it; a later record creates the previous record\'s right window when it falls in it', async () => {
    const d = concatenating(10, 100);
    await feed(d, [['k', 30, 'a'], ['k', 40, 'b']]);
    // 40 falls in 30's right window [31,41]: created by 40 (holding only b), then 40's left window [30,40].
    expect(rows(d)).toEqual(['k@20,30="a"@30', 'k@31,41="b"@40', 'k@30,40="ab"@40']);
    await d.close();
  });

  it('rule: when the previous record is d + 1 before, its right window is the record\'s left window: put (and emitted) twice, as Kafka does', async () => {
    const d = concatenating(10, 100);
    // 30 creates 25's right window [26,36] and its own left window [20,30] (seeded with 25's a).
    await feed(d, [['k', 25, 'a'], ['k', 30, 'b']]);
    expect(rows(d)).toEqual(['k@15,25="a"@25', 'k@26,36="b"@30', 'k@20,30="ab"@30']);
    // 41 finds 30 through [26,36] (the newest window ending before it): 30's right window [31,41]
    // is created, then 41's left window [31,41] (30 is not in it) is put again over it.
    await feed(d, [['k', 41, 'c']]);
    expect(rows(d).slice(3)).toEqual(['k@31,41="c"@41', 'k@31,41="c"@41']);
    await d.close();
  });

  it('rule: records before d share [0, d]; an early record creates the previous record\'s right window before it updates [0, d]', async () => {
    const d = concatenating(10, 100);
    await feed(d, [['k', 3, 'a'], ['k', 8, 'b']]);
    expect(rows(d)).toEqual(['k@0,10="a"@3', 'k@4,14="b"@8', 'k@0,10="ab"@8']);
    await d.close();
  });
});

describe('late records', () => {
  it('rule: a record is dropped if t + d + grace < stream time; one that is not can still find each of its windows closed (end + grace < stream time), a drop per window', async () => {
    const d = concatenating(10, 3, 'update', 'late');
    await feed(d, [['k', 32, 'a'], ['k', 49, 'b']]); // windows [22,32] and [39,49]; stream time 49
    // 36: 36 + 10 + 3 >= 49, not dropped as a record. The previous record is 32: its right window
    // [33,43] and 36's left window [26,36] both end before 49 − 3: two drops, nothing emitted.
    // ([39,49] starts after 36 + 1: 36 has no right window.)
    await feed(d, [['k', 36, 'c']]);
    expect(rows(d)).toEqual(['k@22,32="a"@32', 'k@39,49="b"@49']);
    expect(late(d)).toBe(2);
    // 33: 33 + 10 + 3 < 49: dropped as a record, one drop.
    await feed(d, [['k', 33, 'd']]);
    expect(late(d)).toBe(3);
    expect(d.output('late').map((r) => [r.timestamp, r.headers['sluice.late.window']?.toString()])).toEqual([[36, '[33,43]'], [36, '[26,36]'], [33, '[33,43]']]);
    await d.close();
  });
});

describe('emit final', () => {
  it('rule: each window once, when end + grace < stream time, windows closing together ordered by start, then key', async () => {
    const d = new TestDriver((app) => {
      app.stream('ev', { key: string() }).pipe(windowed(sliding(10, { grace: 5 })), count({ emit: 'final' }), to('out'));
    });
    await feed(d, [['b', 20, '1'], ['a', 22, '2'], ['b', 25, '3']]);
    // Windows: b [10,20], a [12,22], b [15,25] (20 lies in it: seeded with 1) and b's right window
    // of 20, [21,31] (holding 25). Stream time 36 closes [10,20] … [15,25] (25 + 5 < 36) but not [21,31].
    await feed(d, [['z', 36, '4']]);
    expect(rows(d)).toEqual(['b@10,20=1@20', 'a@12,22=1@22', 'b@15,25=2@25']);
    // A window is open while end + grace >= stream time: 31 + 5 = 36 < 37 closes [21,31] at 37.
    await feed(d, [['z', 36, '5']]);
    expect(rows(d)).toHaveLength(3);
    await feed(d, [['z', 37, '6']]);
    expect(rows(d).slice(3)).toEqual(['b@21,31=1@25']);
    await d.close();
  });
});

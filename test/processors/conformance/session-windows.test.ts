/**
 * Session windows as Kafka Streams' KStreamSessionWindowAggregate and its session store give
 * them. Each expected output is worked out from the rule stated in the case.
 */
import { describe, expect, it } from 'vitest';
import { count, session, string, TestDriver, to, windowed } from '../../../processors/index.js';
import { ev, late, windowRow } from './support.js';

function counting(gap: number, grace: number, emit: 'update' | 'final', retention?: number) {
  return new TestDriver((app) => {
    app.stream('ev', { key: string() }).pipe(windowed(session(gap, { grace })), count({ emit, retention }), to('out'));
  });
}

async function feed(d: TestDriver, records: Array<[string, number]>) {
  for (const [user, ts] of records) await d.pipeInput('ev', [ev(user, ts)], { key: string() });
}

const rows = (d: TestDriver) => d.output('out').map(windowRow);

describe('merging', () => {
  it('rule: a late record that bridges a closed but still retained session merges with it, retracting every session it replaces', async () => {
    // gap 10, grace 0, sessions kept 100 ms past the latest session end.
    const d = counting(10, 0, 'update', 100);
    await feed(d, [['k', 100], ['k', 115]]);
    // Stream time 115: [100,100] is closed (100 + 10 + 0 < 115) but retained (100 > 115 − 100).
    // 108 lies within the gap of both: one session [100,115] of 3 records; both retracted first, by end.
    await feed(d, [['k', 108]]);
    expect(rows(d)).toEqual(['k@100,100=1@100', 'k@115,115=1@115', 'k@100,100=null@100', 'k@115,115=null@115', 'k@100,115=3@115']);
    await d.close();
  });

  it('rule: with the default retention (gap + grace) a closed session has left the store, so the same record merges only with the open one', async () => {
    const d = counting(10, 0, 'update');
    await feed(d, [['k', 100], ['k', 115], ['k', 108]]);
    // [100,100] has end 100 <= 115 − 10: gone. 108 joins [115,115] only.
    expect(rows(d)).toEqual(['k@100,100=1@100', 'k@115,115=1@115', 'k@115,115=null@115', 'k@108,115=2@115']);
    await d.close();
  });

  it('rule: a record is dropped only if the merged session\'s end + gap + grace < stream time', async () => {
    const d = counting(10, 0, 'update');
    await feed(d, [['k', 100], ['k', 109]]);
    // 95 alone would be late (95 + 10 < 109), but it merges into [100,109]: accepted.
    await feed(d, [['k', 95]]);
    expect(rows(d).slice(1)).toEqual(['k@100,100=null@100', 'k@100,109=2@109', 'k@100,109=null@109', 'k@95,109=3@109']);
    // 80 reaches no session ([95,109] starts after 80 + 10): alone, and 80 + 10 < 109: dropped.
    await feed(d, [['k', 80]]);
    expect(rows(d)).toHaveLength(5);
    expect(late(d)).toBe(1);
    await d.close();
  });

  it('rule: in final mode a session emitted when it closed and merged into later (retention) is followed by the merged session once that closes', async () => {
    const d = counting(10, 0, 'final', 100);
    await feed(d, [['k', 100], ['k', 115]]); // [100,100] closes (100 + 10 < 115)
    expect(rows(d)).toEqual(['k@100,100=1@100']);
    await feed(d, [['k', 108], ['z', 126]]); // [100,115] (3 records) closes at 126 (115 + 10 < 126)
    expect(rows(d)).toEqual(['k@100,100=1@100', 'k@100,115=3@115']);
    await d.close();
  });
  it('rule: final results are checked after every record, not once per batch: a session that closes and is merged later in the same batch still comes out', async () => {
    const d = counting(10, 0, 'final', 100);
    // One batch: after 115, [100,100] is final (100 + 10 < 115) and out; 108 then merges it with [115,115].
    await d.pipeInput('ev', [ev('k', 100), ev('k', 115), ev('k', 108)], { key: string() });
    expect(rows(d)).toEqual(['k@100,100=1@100']);
    await feed(d, [['z', 126]]);
    expect(rows(d)).toEqual(['k@100,100=1@100', 'k@100,115=3@115']);
    await d.close();
  });
});

describe('emit final', () => {
  it('rule: sessions that close together come out ordered by end, then start, then key (the time-ordered session store)', async () => {
    const d = counting(5, 0, 'final');
    // a [11,14], b [14,14], c [12,12], e [10,14] (10 and 14 are within the gap 5).
    await d.pipeInput('ev', [ev('a', 11), ev('a', 14), ev('b', 14), ev('c', 12), ev('e', 10), ev('e', 14)], { key: string() });
    expect(rows(d)).toEqual([]);
    await feed(d, [['z', 100]]);
    expect(rows(d)).toEqual(['c@12,12=1@12', 'e@10,14=2@14', 'a@11,14=2@14', 'b@14,14=1@14']);
    await d.close();
  });

  it('rule: a session is final once end + gap + grace < stream time (at end + gap + grace it can still grow)', async () => {
    const d = counting(5, 2, 'final');
    await feed(d, [['k', 10], ['z', 17]]); // 10 + 5 + 2 = 17: not yet
    expect(rows(d)).toEqual([]);
    await feed(d, [['z', 18]]);
    expect(rows(d)).toEqual(['k@10,10=1@10']);
    await d.close();
  });
});

/**
 * Tumbling and hopping windows, emit-final order and dropped records, as Kafka Streams'
 * KStreamWindowAggregate (and AbstractKStreamTimeWindowAggregateProcessor) does them.
 */
import { describe, expect, it } from 'vitest';
import { count, hopping, string, TestDriver, to, tumbling, windowed, type WindowDef } from '../../../processors/index.js';
import { ev, late, windowRow } from './support.js';

function counting(def: WindowDef, emit: 'final' | 'update', lateRecordsTopic?: string) {
  return new TestDriver((app) => {
    app.stream('ev', { key: string() }).pipe(windowed(def), count({ emit, lateRecordsTopic }), to('out'));
  });
}

describe('emit final', () => {
  it('rule: windows that close together come out ordered by window start, then key (whatever order their records came in)', async () => {
    const d = counting(tumbling(10, { grace: 10 }), 'final');
    // Windows [0,10) and [10,20) of keys c, a, b (first records in that order); stream time 19
    // closes neither ([0,10) closes at 10 + 10 = 20).
    await d.pipeInput('ev', [ev('c', 1), ev('a', 2), ev('b', 3), ev('c', 11), ev('b', 12), ev('a', 19), ev('c', 4)], { key: string() });
    expect(d.output('out')).toEqual([]);
    // Stream time 30 closes both windows in one step: [0,10) (10 + 10 <= 30) and [10,20) (20 + 10 <= 30).
    await d.pipeInput('ev', [ev('z', 30)], { key: string() });
    expect(d.output('out').map(windowRow)).toEqual([
      'a@0,10=1@2', 'b@0,10=1@3', 'c@0,10=2@4',
      'a@10,20=1@19', 'b@10,20=1@12', 'c@10,20=1@11',
    ]);
    await d.close();
  });

  it('rule: across batches a window is emitted once, when end + grace <= stream time, with the largest timestamp in it', async () => {
    const d = counting(hopping(10, 5, { grace: 0 }), 'final');
    await d.pipeInput('ev', [ev('k', 7)], { key: string() }); // windows [0,10) and [5,15)
    await d.pipeInput('ev', [ev('k', 3)], { key: string() }); // [0,10) only
    await d.pipeInput('ev', [ev('k', 10)], { key: string() }); // closes [0,10): 10 + 0 <= 10
    expect(d.output('out').map(windowRow)).toEqual(['k@0,10=2@7']);
    await d.pipeInput('ev', [ev('k', 15)], { key: string() }); // closes [5,15)
    expect(d.output('out').map(windowRow)).toEqual(['k@0,10=2@7', 'k@5,15=2@10']);
    await d.close();
  });
});

describe('dropped late records', () => {
  it('rule: a late record is counted once per window it missed, also when it updates another of its windows', async () => {
    const d = counting(hopping(10, 2, { grace: 0 }), 'update', 'late');
    await d.pipeInput('ev', [ev('k', 20)], { key: string() });
    // t=13 lies in [4,14), [6,16), [8,18), [10,20), [12,22). With stream time 20, [4,14) … [10,20)
    // are closed (end + 0 <= 20): four drops; [12,22) is still open and takes the record.
    await d.pipeInput('ev', [ev('k', 13)], { key: string() });
    expect(late(d)).toBe(4);
    expect(d.output('out').map(windowRow).slice(-1)).toEqual(['k@12,22=2@20']);
    // Each drop goes to the late-records topic, naming the window it missed.
    const dropped = d.output('late');
    expect(dropped.map((r) => [r.key, r.timestamp, r.headers['sluice.late.window']?.toString()])).toEqual([
      ['k', 13, '[4,14)'], ['k', 13, '[6,16)'], ['k', 13, '[8,18)'], ['k', 13, '[10,20)'],
    ]);
    await d.close();
  });

  it('rule: a record exactly at end + grace is late for that window (a window is updated only while end + grace > stream time)', async () => {
    const d = counting(tumbling(10, { grace: 3 }), 'update');
    await d.pipeInput('ev', [ev('k', 13)], { key: string() }); // stream time 13 = 10 + 3
    await d.pipeInput('ev', [ev('k', 9)], { key: string() });
    expect(late(d)).toBe(1);
    expect(d.output('out').map(windowRow)).toEqual(['k@10,20=1@13']);
    await d.close();
  });
});

/**
 * Values are decoded only when an operator of the sub-topology reads them: a count reads none, so
 * a value that is not JSON is counted; an operator that reads values (mapValues, filter, a
 * reduce) dead-letters the record with the reason in its headers, as before.
 */
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { count, groupByKey, mapValues, reduce, string, TestDriver, to, tumbling, windowed } from '../../processors/index.js';

const input = [
  { key: Buffer.from('a'), value: Buffer.from('{"n":1}'), timestamp: 1000 },
  { key: Buffer.from('a'), value: Buffer.from('{oops'), timestamp: 1100 },
  { key: Buffer.from('b'), value: Buffer.from('{"n":2}'), timestamp: 1200 },
];

const dlqReasons = (d: TestDriver) => d.output('test-app.dlq').map((r) => [r.key, r.headers['sluice.error.class']!.toString(), r.headers['sluice.error']!.toString()]);

describe('lazy value decoding', () => {
  it('a count never reads values: a malformed one is counted, nothing is dead-lettered', async () => {
    const d = new TestDriver((app) => {
      app.stream('ev', { key: string() }).pipe(groupByKey(), count({ name: 'n' }), to('counts', { key: string() }));
    });
    await d.input('ev', input);
    expect(d.output('counts').map((r) => [r.key, r.value])).toEqual([['a', 1], ['a', 2], ['b', 1]]);
    expect(d.output('test-app.dlq')).toEqual([]);
    await d.close();
  });

  it('a windowed count never reads values either', async () => {
    const d = new TestDriver((app) => {
      app.stream('ev', { key: string() }).pipe(groupByKey(), windowed(tumbling(1000)), count({ name: 'n', emit: 'final' }), to('counts'));
    });
    await d.input('ev', [...input, { key: Buffer.from('c'), value: Buffer.from('not json'), timestamp: 5000 }]);
    expect(d.output('counts').map((r) => [r.key, r.value])).toEqual([
      [{ key: 'a', window: { start: 1000, end: 2000 } }, 2],
      [{ key: 'b', window: { start: 1000, end: 2000 } }, 1],
    ]);
    expect(d.output('test-app.dlq')).toEqual([]);
    await d.close();
  });

  it('mapValues reads values: the malformed record is dead-lettered with the reason, the others go on', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { n: number }>('ev', { key: string() }).pipe(
        mapValues((v) => v.n * 10),
        groupByKey(),
        count({ name: 'n' }),
        to('counts', { key: string() }),
      );
    });
    await d.input('ev', input);
    expect(d.output('counts').map((r) => [r.key, r.value])).toEqual([['a', 1], ['b', 1]]);
    expect(dlqReasons(d)).toEqual([['a', 'SerdeError', expect.stringMatching(/not JSON/)]]);
    await d.close();
  });

  it('a filter reads values: the malformed record is dead-lettered', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { n: number }>('ev', { key: string() }).pipe(
        filter((r) => r.value.n > 0),
        to('kept', { key: string() }),
      );
    });
    await d.input('ev', input);
    expect(d.output('kept').map((r) => r.value)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(dlqReasons(d)).toEqual([['a', 'SerdeError', expect.stringMatching(/not JSON/)]]);
    await d.close();
  });

  it('one branch that reads values is enough: both see the record decoded, the malformed one is dead-lettered', async () => {
    const d = new TestDriver((app) => {
      const s = app.stream<string, { n: number }>('ev', { key: string() });
      s.pipe(groupByKey(), count({ name: 'n' }), to('counts', { key: string() }));
      s.pipe(groupByKey(), reduce((a, b) => ({ n: a.n + b.n }), { name: 'sum' }), to('sums', { key: string() }));
    });
    await d.input('ev', input);
    expect(d.output('counts').map((r) => [r.key, r.value])).toEqual([['a', 1], ['b', 1]]);
    expect(d.output('sums').map((r) => [r.key, r.value])).toEqual([['a', { n: 1 }], ['b', { n: 2 }]]);
    expect(dlqReasons(d)).toEqual([['a', 'SerdeError', expect.stringMatching(/not JSON/)]]);
    await d.close();
  });

  it('a timestamp extractor reads values: the malformed record is dead-lettered even before a count', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { n: number }>('ev', { key: string(), timestamp: (v) => 1000 + v.n }).pipe(groupByKey(), count({ name: 'n' }), to('counts', { key: string() }));
    });
    await d.input('ev', input);
    expect(d.output('counts').map((r) => [r.key, r.value])).toEqual([['a', 1], ['b', 1]]);
    expect(dlqReasons(d)).toEqual([['a', 'SerdeError', expect.stringMatching(/not JSON/)]]);
    await d.close();
  });
});

/**
 * suppress(untilWindowCloses()) and suppress(untilTimeLimit()) as Kafka Streams'
 * KTableSuppressProcessor gives them. Each expected output is worked out from the rule stated.
 */
import { describe, expect, it } from 'vitest';
import { count, session, string, suppress, SuppressBufferFullError, TestDriver, to, tumbling, untilTimeLimit, untilWindowCloses, windowed, type SuppressConfig, type WindowDef } from '../../../processors/index.js';
import { ev, windowRow } from './support.js';

function windowedCounts(def: WindowDef, config: SuppressConfig) {
  return new TestDriver((app) => {
    app.stream('ev', { key: string() }).pipe(windowed(def), count(), suppress(config), to('out'));
  });
}

function counts(config: SuppressConfig) {
  return new TestDriver((app) => {
    app.stream('ev', { key: string() }).pipe(count(), suppress(config), to('out', { key: string() }));
  });
}

async function feed(d: TestDriver, records: Array<[string, number]>) {
  for (const [user, ts] of records) await d.pipeInput('ev', [ev(user, ts)], { key: string() });
}

const rows = (d: TestDriver) => d.output('out').map((r) => `${r.key}:${r.value}@${r.timestamp}`);

describe('untilWindowCloses', () => {
  it('rule: a window\'s latest result comes out once, when end + grace <= stream time (the largest timestamp suppress has seen), earliest end first, then key', async () => {
    const d = windowedCounts(tumbling(10, { grace: 5 }), untilWindowCloses());
    await feed(d, [['k', 1], ['k', 5], ['j', 3], ['k', 12]]);
    expect(d.output('out')).toEqual([]); // 10 + 5 > 12
    await feed(d, [['x', 14]]);
    expect(d.output('out')).toEqual([]);
    await feed(d, [['x', 15]]); // [0,10): 10 + 5 <= 15
    expect(d.output('out').map(windowRow)).toEqual(['j@0,10=1@3', 'k@0,10=2@5']);
    await feed(d, [['x', 25]]); // [10,20): 20 + 5 <= 25
    expect(d.output('out').map(windowRow).slice(2)).toEqual(['k@10,20=1@12', 'x@10,20=2@15']);
    await d.close();
  });

  it('rule: session results wait until end + gap + grace < stream time (a session includes its end), and retractions of merged sessions are dropped', async () => {
    const d = windowedCounts(session(5, { grace: 0 }), untilWindowCloses());
    // [10,10] is retracted when 14 merges it into [10,14].
    await feed(d, [['k', 10], ['k', 14], ['z', 19]]);
    expect(d.output('out')).toEqual([]); // 14 + 5 + 0 = 19: [10,14] can still grow
    await feed(d, [['z', 20]]);
    expect(d.output('out').map(windowRow)).toEqual(['k@10,14=2@14']);
    await d.close();
  });

  it('rule: over maxRecords it fails the app (only shutting down keeps results final)', async () => {
    const d = windowedCounts(tumbling(10), untilWindowCloses({ maxRecords: 1 }));
    await feed(d, [['a', 1]]);
    await expect(d.pipeInput('ev', [ev('b', 2)], { key: string() })).rejects.toThrow(SuppressBufferFullError);
    expect(() => untilWindowCloses({ whenFull: 'emit-early' } as never)).toThrow(/cannot emit early/);
    await d.close();
  });

  it('rule: it needs a windowed aggregation before it', () => {
    expect(() => new TestDriver((app) => app.stream('ev').pipe(count(), suppress(untilWindowCloses()), to('out')))).toThrow(/must follow a windowed aggregation/);
  });
});

describe('untilTimeLimit', () => {
  it('rule: a key\'s latest result comes out once its first buffered update is the limit behind stream time; later updates do not move it', async () => {
    const d = counts(untilTimeLimit(10));
    await feed(d, [['a', 0], ['a', 3], ['b', 5], ['a', 9]]);
    expect(rows(d)).toEqual([]);
    // Stream time 10: a's first update (0) is 10 behind. It carries its latest value and timestamp.
    await feed(d, [['c', 10]]);
    expect(rows(d)).toEqual(['a:3@9']);
    // Stream time 15: b (5). c was updated (its place stays at 10): not yet.
    await feed(d, [['c', 15]]);
    expect(rows(d)).toEqual(['a:3@9', 'b:1@5']);
    // a comes back as a new entry at 16.
    await feed(d, [['a', 16], ['x', 20]]);
    expect(rows(d)).toEqual(['a:3@9', 'b:1@5', 'c:2@15']);
    await d.close();
  });

  it('rule: over maxRecords the earliest keys are emitted early until the buffer is within it', async () => {
    const d = counts(untilTimeLimit(1000, { maxRecords: 2 }));
    await feed(d, [['a', 1], ['b', 2], ['c', 3]]);
    expect(rows(d)).toEqual(['a:1@1']);
    await feed(d, [['a', 4]]); // a is new in the buffer again: b is the earliest now
    expect(rows(d)).toEqual(['a:1@1', 'b:1@2']);
    await d.close();
  });

  it('rule: maxBytes counts 8 bytes plus the UTF-8 bytes of the key\'s and value\'s JSON text per entry', async () => {
    // "long-key" (10 bytes of JSON) with value 1: 19 bytes; "b": 12 bytes. 31 > 30.
    const d = counts(untilTimeLimit(1000, { maxBytes: 30 }));
    await feed(d, [['long-key', 1]]);
    expect(rows(d)).toEqual([]);
    await feed(d, [['b', 2]]);
    expect(rows(d)).toEqual(['long-key:1@1']);
    await feed(d, [['c', 3]]); // b + c = 24
    expect(rows(d)).toEqual(['long-key:1@1']);
    await d.close();
  });

  it('rule: with whenFull shut-down it fails the batch instead', async () => {
    const d = counts(untilTimeLimit(1000, { maxRecords: 1, whenFull: 'shut-down' }));
    await feed(d, [['a', 1]]);
    await expect(d.pipeInput('ev', [ev('b', 2)], { key: string() })).rejects.toThrow(/exceeded its limits: 2\/1 records/);
    await d.close();
  });
});

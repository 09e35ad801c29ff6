/**
 * A windowed count reads keys and timestamps straight from the stored records when its source
 * leaves values undecoded (topology/fused-source.ts). Its results must be the unfused chain's: the
 * same chain with a pass-through `peek` after the source (which reads values, so nothing is fused)
 * gives the reference. Compared: results (update and final, tumbling and hopping), the changelog,
 * late drops, dead letters of keys that do not deserialize, and the node counts.
 */
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { count, groupByKey, hopping, peek, TestDriver, to, tumbling, windowed, type WindowDef } from '../../processors/index.js';
import { acceptingStored, fusedOperator, offeringReaders } from '../../processors/topology/fused-source.js';

/** Seeded records: keys as JSON text (some malformed), timestamps in about time order with some late ones, JSON values (the unfused chain decodes them). */
function records(n: number, seed: number) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = [];
  for (let i = 0; i < n; i++) {
    const bad = rnd() < 0.03;
    const key = bad ? Buffer.from('{"not json') : Buffer.from(JSON.stringify(`user-${Math.floor(rnd() * 20)}`));
    out.push({ key, value: Buffer.from(`{"i":${i}}`), timestamp: 1000 + i * 37 + Math.floor(rnd() * 900) - 450 });
  }
  return out;
}

async function run(window: WindowDef, emit: 'update' | 'final', fused: boolean, input: ReturnType<typeof records>) {
  const d = new TestDriver((app) => {
    const s = app.stream('ev');
    const grouped = fused ? s.pipe(groupByKey()) : s.pipe(peek(() => {}), groupByKey());
    grouped.pipe(windowed(window), count({ name: 'n', emit }), to('counts'));
  });
  for (let i = 0; i < input.length; i += 97) await d.input('ev', input.slice(i, i + 97));
  const plain = (topic: string) => d.output(topic).map((r) => [r.key, r.value, r.timestamp]);
  const out = {
    counts: plain('counts'),
    changelog: plain('test-app-n-changelog'),
    dropped: d.metrics.total('sluice_late_records_total'),
    dlq: d.output('test-app.dlq').map((r) => [r.key, r.headers['sluice.error.class']?.toString()]),
    nodeRecords: d.metrics.total('sluice_node_records_total'),
  };
  await d.close();
  return out;
}

describe('a windowed count fused with its source', () => {
  const cases: Array<[string, WindowDef, 'update' | 'final']> = [
    ['tumbling, final', tumbling(1000, { grace: 200 }), 'final'],
    ['tumbling, update', tumbling(1000, { grace: 0 }), 'update'],
    ['hopping, final', hopping(1000, 300, { grace: 100 }), 'final'],
  ];
  for (const [name, window, emit] of cases)
    it(`${name}: results, changelog, drops and dead letters equal the unfused chain's`, async () => {
      const input = records(1500, name.length);
      const fused = await run(window, emit, true, input);
      const plain = await run(window, emit, false, input);
      expect(fused.counts.length).toBeGreaterThan(100);
      expect(fused.dropped).toBeGreaterThan(0);
      expect(fused.dlq.length).toBeGreaterThan(10);
      expect(fused.dlq.every(([, cls]) => cls === 'SerdeError')).toBe(true);
      expect(fused.counts).toEqual(plain.counts);
      expect(fused.changelog).toEqual(plain.changelog);
      expect(fused.dropped).toBe(plain.dropped);
      expect(fused.dlq).toEqual(plain.dlq);
      // The same node counts, less peek's in the unfused chain (one per record its source decoded).
      expect(fused.nodeRecords).toBe(plain.nodeRecords - (input.length - plain.dlq.length));
    });

  it('is used only when the source offers its readers and the successor takes stored records', () => {
    const op = (s: Observable<unknown>) => s;
    expect(fusedOperator(op, op)).toBeUndefined();
    expect(fusedOperator(undefined, op)).toBeUndefined();
    const readers = { key: () => 'k', timestamp: () => { throw new Error('no time'); } };
    let given: unknown;
    const fused = fusedOperator(offeringReaders(op, readers), acceptingStored((s: Observable<unknown>) => s, (r) => ((given = r), op)));
    expect(fused?.operator).toBe(op);
    const r = given as typeof readers;
    expect(r.key()).toBe('k');
    expect(() => r.timestamp()).toThrow('no time');
    expect(fused!.readFailures()).toBe(1); // counted once, then taken
    expect(fused!.readFailures()).toBe(0);
  });
});

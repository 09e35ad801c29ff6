/**
 * Sliding windows against a brute-force oracle: every window is recounted from all records
 * whenever a record reaches it. Kafka Streams builds sliding windows incrementally, from the
 * windows in its store; that gives the windows of this definition (every record's left window,
 * every right window that holds a record) as long as no record finds one of its windows closed,
 * so the events here are out of order by less than the grace. What happens to records that find
 * windows closed, and to order-sensitive aggregates, is in conformance/sliding-windows.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { count, groupByKey, sliding, string, TestDriver, to, windowed, type Rec } from '../../processors/index.js';

type Ev = { user: string; ts: number };

/** Out of order by less than `disorder` ms: a record is never more than that behind stream time. */
function events(n: number, seed: number, disorder: number): Ev[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({ user: `u${Math.floor(rnd() * 3)}`, ts: 300 + i * 13 + Math.floor(rnd() * disorder) }));
}

function oracle(evs: Ev[], d: number, grace: number) {
  let st = -Infinity;
  const accepted = new Map<string, number[]>();
  const values = new Map<string, number>(); // "user@start-end" → count at its last update
  let dropped = 0;
  for (const e of evs) {
    st = Math.max(st, e.ts);
    const ts = [...(accepted.get(e.user) ?? []), e.ts];
    const left = (t: number) => (t >= d ? [t - d, t] : [0, d]);
    const windows = new Map<string, [number, number]>();
    for (const s of ts) {
      const [a, b] = left(s);
      windows.set(`${a}-${b}`, [a, b]);
      if (ts.some((x) => x > s && x <= s + 1 + d)) windows.set(`${s + 1}-${s + 1 + d}`, [s + 1, s + 1 + d]);
    }
    const affected = [...windows.values()].filter(([a, b]) => (e.ts >= a && e.ts <= b) || a === e.ts + 1);
    const open = affected.filter(([, b]) => b + grace >= st);
    dropped += affected.length - open.length;
    accepted.set(e.user, ts);
    for (const [a, b] of open) values.set(`${e.user}@${a}-${b}`, ts.filter((x) => x >= a && x <= b).length);
  }
  const closed = new Map([...values].filter(([k]) => Number(k.split('-').pop()) + grace < st));
  return { values, closed, dropped };
}

async function run(evs: Ev[], d: number, grace: number, emit: 'final' | 'update') {
  const drv = new TestDriver((app) => {
    app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(
      groupByKey((r: Rec<string, Ev>) => r.value.user),
      windowed(sliding(d, { grace })),
      count({ emit, name: 'sliding' }),
      to('out'),
    );
  });
  const rnd = mulberry32(d);
  for (let i = 0; i < evs.length; ) {
    const n = 1 + Math.floor(rnd() * 30);
    await drv.pipeInput('ev', evs.slice(i, i + n).map((e) => ({ key: Buffer.from(e.user), value: e, timestamp: e.ts })));
    i += n;
  }
  const out = drv.output('out').map((r) => {
    const k = r.key as { key: string; window: { start: number; end: number } };
    return [`${k.key}@${k.window.start}-${k.window.end}`, r.value as number] as const;
  });
  const dropped = drv.metrics.total('sluice_late_records_total');
  await drv.close();
  return { out, dropped };
}

describe('sliding windows against an oracle', () => {
  for (const [d, grace] of [
    [100, 0],
    [250, 100],
    [40, 300],
  ] as const) {
    it(`difference ${d} ms, grace ${grace} ms: final and update`, async () => {
      const evs = events(700, d + grace, Math.max(1, grace));
      const expected = oracle(evs, d, grace);
      const final = await run(evs, d, grace, 'final');
      expect(new Map(final.out)).toEqual(expected.closed);
      expect(final.out.length).toBe(expected.closed.size);
      expect(final.dropped).toBe(expected.dropped);
      expect(expected.dropped).toBe(0);
      const update = await run(evs, d, grace, 'update');
      expect(new Map(update.out)).toEqual(expected.values);
    });
  }

  it('gives a record before d the window [0, d] and creates the previous record\'s right window before it updates [0, d]', async () => {
    const drv = new TestDriver((app) => {
      app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(sliding(10, { grace: 100 })), count(), to('out'));
    });
    for (const ts of [3, 8, 30]) await drv.pipeInput('ev', [{ key: Buffer.from('a'), value: { user: 'a', ts } }]);
    const windows = drv.output('out').map((r) => [(r.key as { window: { start: number; end: number } }).window, r.value]);
    expect(windows).toEqual([
      [{ start: 0, end: 10 }, 1],
      [{ start: 4, end: 14 }, 1],
      [{ start: 0, end: 10 }, 2],
      [{ start: 20, end: 30 }, 1],
    ]);
    await drv.close();
  });
});

/**
 * Session windows against a brute-force oracle of Kafka Streams' session rules, with the store's
 * default retention and a longer one (closed sessions kept, and merged into by late records).
 */
import { identity } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { count, groupByKey, session, string, suppress, TestDriver, to, untilWindowCloses, windowed, type Rec } from '../../processors/index.js';

interface Ev {
  user: string;
  ts: number;
}

/**
 * Kafka Streams' rules, record by record: a record merges with every session of its key still in
 * the store (end > largest session end put − (gap + grace), the default retention) that lies
 * within the gap of it; the merged session is dropped (late) if its end + gap + grace < stream
 * time. Sessions that leave the store never change again. Final results: after every record,
 * the sessions with end + gap + grace < stream time not emitted before (by end); with a long
 * retention a session emitted so can still be merged into a later one, emitted in turn.
 */
function oracle(batches: Ev[][], gap: number, grace: number, retention = gap + grace) {
  const sessions = new Map<string, Array<{ start: number; end: number; n: number }>>();
  let streamTime = -Infinity;
  let storeTime = -Infinity;
  let dropped = 0;
  const emitted: string[] = [];
  let emittedBefore = 0;
  for (const batch of batches) {
   for (const e of batch) {
    streamTime = Math.max(streamTime, e.ts);
    const list = sessions.get(e.user) ?? [];
    const near = list.filter((c) => c.end > storeTime - retention && c.end >= e.ts - gap && c.start <= e.ts + gap);
    const merged = { start: Math.min(e.ts, ...near.map((c) => c.start)), end: Math.max(e.ts, ...near.map((c) => c.end)), n: 1 + near.reduce((a, c) => a + c.n, 0) };
    if (merged.end + gap + grace < streamTime) dropped++;
    else {
    sessions.set(e.user, [...list.filter((c) => !near.includes(c)), merged]);
    storeTime = Math.max(storeTime, merged.end);
    }
    // Final results, checked after every record (dropped ones too).
    const closeTime = streamTime - gap - grace;
    for (const [user, list] of sessions) for (const c of list) if (c.end >= emittedBefore && c.end < closeTime) emitted.push(`${user}@${c.start}-${c.end}=${c.n}`);
    emittedBefore = Math.max(emittedBefore, closeTime);
   }
  }
  const all = new Map<string, number>();
  for (const [user, list] of sessions) for (const c of list) all.set(`${user}@${c.start}-${c.end}`, c.n);
  return { all, emitted: emitted.sort(), dropped };
}

function split(evs: Ev[], seed: number): Ev[][] {
  const rnd = mulberry32(seed);
  const out: Ev[][] = [];
  for (let i = 0; i < evs.length; ) {
    const n = 1 + Math.floor(rnd() * 40);
    out.push(evs.slice(i, i + n));
    i += n;
  }
  return out;
}

function events(n: number, seed: number): Ev[] {
  const rnd = mulberry32(seed);
  const out: Ev[] = [];
  let t = 10_000;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 120);
    out.push({ user: `u${Math.floor(rnd() * 4)}`, ts: t + Math.round((rnd() - 0.5) * 2000) });
  }
  return out;
}

async function run(batches: Ev[][], gap: number, grace: number, emit: 'final' | 'update' | 'suppressed', retention?: number) {
  const d = new TestDriver((app) => {
    app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(
      groupByKey((r: Rec<string, Ev>) => r.value.user),
      windowed(session(gap, { grace })),
      count({ emit: emit === 'suppressed' ? 'update' : emit, name: 'sessions', retention }),
      emit === 'suppressed' ? suppress(untilWindowCloses()) : identity,
      to('out'),
    );
  });
  for (const batch of batches) await d.pipeInput('ev', batch.map((e) => ({ key: Buffer.from(e.user), value: e, timestamp: e.ts })));
  const out = d.output('out').map((r) => {
    const k = r.key as { key: string; window: { start: number; end: number } };
    return { id: `${k.key}@${k.window.start}-${k.window.end}`, value: r.value as number | null };
  });
  const dropped = d.metrics.total('sluice_late_records_total');
  await d.close();
  return { out, dropped };
}

describe('session windows against an oracle', () => {
  for (const [gap, grace, seed, retention] of [
    [300, 0, 1, undefined],
    [500, 250, 2, undefined],
    [150, 1000, 3, undefined],
    [300, 100, 4, 3000],
  ] as const) {
    const kept = retention === undefined ? '' : `, retention ${retention} ms`;
    it(`gap ${gap} ms, grace ${grace} ms${kept}: final results and dropped records`, async () => {
      const batches = split(events(1200, seed), seed);
      const expected = oracle(batches, gap, grace, retention);
      const { out, dropped } = await run(batches, gap, grace, 'final', retention);
      expect(out.map((o) => `${o.id}=${o.value}`).sort()).toEqual(expected.emitted);
      // With the long retention, some sessions came out final and were merged into later ones.
      if (retention !== undefined) expect(expected.emitted.filter((e) => !expected.all.has(e.split('=')[0]!)).length).toBeGreaterThan(0);
      expect(dropped).toBe(expected.dropped);
    });

    it(`gap ${gap} ms, grace ${grace} ms${kept}: updates through suppress(untilWindowCloses()) give the final results`, async () => {
      const batches = split(events(1200, seed + 20), seed);
      const expected = oracle(batches, gap, grace, retention);
      const { out } = await run(batches, gap, grace, 'suppressed', retention);
      expect(out.map((o) => `${o.id}=${o.value}`).sort()).toEqual(expected.emitted);
    });

    it(`gap ${gap} ms, grace ${grace} ms${kept}: updates with retractions leave exactly the oracle's sessions`, async () => {
      const batches = split(events(1200, seed + 10), seed);
      const expected = oracle(batches, gap, grace, retention);
      const { out } = await run(batches, gap, grace, 'update', retention);
      const live = new Map<string, number>();
      for (const o of out) {
        if (o.value === null) live.delete(o.id);
        else live.set(o.id, o.value);
      }
      expect(live).toEqual(expected.all);
    });
  }

  it('merges two sessions when an out-of-order record bridges them, retracting both', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(session(100, { grace: 1000 })), count({ name: 's' }), to('out'));
    });
    for (const ts of [1000, 1050, 1200, 1240, 1120]) await d.pipeInput('ev', [{ key: Buffer.from('a'), value: { user: 'a', ts } }]);
    const out = d.output('out').map((r) => [(r.key as { window: { start: number; end: number } }).window, r.value]);
    expect(out.slice(-3)).toEqual([
      [{ start: 1000, end: 1050 }, null],
      [{ start: 1200, end: 1240 }, null],
      [{ start: 1000, end: 1240 }, 5],
    ]);
    await d.close();
  });
});

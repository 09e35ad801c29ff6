/**
 * Session windows against an oracle that recomputes sessions from scratch: the accepted
 * timestamps of a key, sorted, split wherever two neighbours are more than the gap apart.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { count, groupByKey, session, string, TestDriver, to, windowed, type Rec } from '../../processors/index.js';

interface Ev {
  user: string;
  ts: number;
}

function clusters(ts: number[], gap: number): Array<{ start: number; end: number; n: number }> {
  const sorted = [...ts].sort((a, b) => a - b);
  const out: Array<{ start: number; end: number; n: number }> = [];
  for (const t of sorted) {
    const last = out[out.length - 1];
    if (last && t - last.end <= gap) {
      last.end = t;
      last.n++;
    } else out.push({ start: t, end: t, n: 1 });
  }
  return out;
}

/**
 * Kafka Streams keeps a session in its store until end + gap + grace < stream time and drops it
 * then (the store's retention); Sluice checks that at the end of each batch. The oracle does the
 * same: per batch, every record is clustered with the key's live timestamps; at the batch's end,
 * clusters past end + gap + grace are frozen (closed) and later records no longer join them.
 */
function oracle(batches: Ev[][], gap: number, grace: number) {
  const live = new Map<string, number[]>();
  const frozen: Array<{ user: string; start: number; end: number; n: number }> = [];
  let streamTime = -Infinity;
  let dropped = 0;
  for (const batch of batches) {
    for (const e of batch) {
      streamTime = Math.max(streamTime, e.ts);
      const ts = live.get(e.user) ?? [];
      const mine = clusters([...ts, e.ts], gap).find((c) => c.start <= e.ts && e.ts <= c.end)!;
      if (mine.end + gap + grace < streamTime) {
        dropped++;
        continue;
      }
      ts.push(e.ts);
      live.set(e.user, ts);
    }
    for (const [user, ts] of live) {
      const keep: number[] = [];
      for (const c of clusters(ts, gap)) {
        if (c.end + gap + grace < streamTime) frozen.push({ user, ...c });
        else keep.push(...ts.filter((t) => t >= c.start && t <= c.end));
      }
      live.set(user, keep);
    }
  }
  const closed = new Map(frozen.map((c) => [`${c.user}@${c.start}-${c.end}`, c.n]));
  const all = new Map(closed);
  for (const [user, ts] of live) for (const c of clusters(ts, gap)) all.set(`${user}@${c.start}-${c.end}`, c.n);
  return { all, closed, dropped };
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

async function run(batches: Ev[][], gap: number, grace: number, emit: 'final' | 'update') {
  const d = new TestDriver((app) => {
    app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(
      groupByKey((r: Rec<string, Ev>) => r.value.user),
      windowed(session(gap, { grace })),
      count({ emit, name: 'sessions' }),
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
  for (const [gap, grace, seed] of [
    [300, 0, 1],
    [500, 250, 2],
    [150, 1000, 3],
  ] as const) {
    it(`gap ${gap} ms, grace ${grace} ms: final results and dropped records`, async () => {
      const batches = split(events(1200, seed), seed);
      const expected = oracle(batches, gap, grace);
      const { out, dropped } = await run(batches, gap, grace, 'final');
      expect(new Map(out.map((o) => [o.id, o.value]))).toEqual(expected.closed);
      expect(out.length).toBe(expected.closed.size);
      expect(dropped).toBe(expected.dropped);
    });

    it(`gap ${gap} ms, grace ${grace} ms: updates with retractions leave exactly the oracle's sessions`, async () => {
      const batches = split(events(1200, seed + 10), seed);
      const expected = oracle(batches, gap, grace);
      const { out } = await run(batches, gap, grace, 'update');
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

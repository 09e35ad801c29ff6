/**
 * Tumbling and hopping windows against a brute-force oracle written independently of the
 * implementation: seeded random events with out-of-order timestamps, fed in random batch sizes,
 * with the windows in memory and in Redis (a real Redis on 127.0.0.1:6379, a key prefix per
 * test, deleted afterwards).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { count, groupByKey, hopping, string, suppress, TestDriver, to, tumbling, untilWindowCloses, windowed, type Rec, type StoreBackendOptions } from '../../processors/index.js';
import { deleteKeysWithPrefix } from '../../processors/stores/redis-util.js';

const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
const prefixes: string[] = [];
afterEach(async () => {
  for (const p of prefixes.splice(0)) {
    // The windows still open when the input ended are in Redis (with the index and stream time).
    expect((await redis.keys(`${p}*`)).filter((k) => !k.endsWith('__index') && !k.endsWith('__streamTime')).length).toBeGreaterThan(0);
    await deleteKeysWithPrefix(redis, p);
    expect(await redis.keys(`${p}*`)).toEqual([]);
  }
});
afterAll(async () => {
  redis.disconnect();
});

/** Where the windows live: the task's memory, or Redis under a prefix of the test's own. */
const stores: Record<string, () => StoreBackendOptions | undefined> = {
  memory: () => undefined,
  redis: () => {
    const prefix = `wintest-${randomUUID()}:`;
    prefixes.push(prefix);
    return { backend: 'redis', redis, prefix };
  },
};

interface Ev {
  user: string;
  ts: number;
}

function events(n: number, seed: number): Ev[] {
  const rnd = mulberry32(seed);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) out.push({ user: `u${Math.floor(rnd() * 7)}`, ts: 10_000 + i * 37 + Math.round((rnd() - 0.5) * 7000) });
  return out;
}

/** Kafka Streams' rules, brute force: every window [s, s+size) with s % advance == 0 containing t. */
function oracle(evs: Ev[], size: number, advance: number, grace: number) {
  let streamTime = -Infinity;
  const counts = new Map<string, number>();
  let dropped = 0;
  for (const e of evs) {
    streamTime = Math.max(streamTime, e.ts);
    for (let s = 0; s <= e.ts; s += advance) {
      if (!(s <= e.ts && e.ts < s + size)) continue;
      // Kafka's dropped-records metric counts a late record once per window it missed.
      if (s + size + grace <= streamTime) {
        dropped++;
        continue;
      }
      const k = `${e.user}@${s}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const closed = new Map([...counts].filter(([k]) => Number(k.split('@')[1]) + size + grace <= streamTime));
  return { counts, closed, dropped };
}

async function run(evs: Ev[], win: ReturnType<typeof hopping>, emit: 'final' | 'update' | 'suppressed', seed: number, store?: StoreBackendOptions) {
  const d = new TestDriver((app) => {
    const stream = app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts });
    if (emit === 'suppressed') stream.pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(win), count({ name: 'counts', store }), suppress(untilWindowCloses()), to('out'));
    else stream.pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(win), count({ emit, name: 'counts', store }), to('out'));
  });
  const rnd = mulberry32(seed);
  for (let i = 0; i < evs.length; ) {
    const n = 1 + Math.floor(rnd() * 60);
    await d.pipeInput('ev', evs.slice(i, i + n).map((e) => ({ key: Buffer.from(e.user), value: e, timestamp: e.ts })));
    i += n;
  }
  const out = d.output('out').map((r) => {
    const k = r.key as { key: string; window: { start: number; end: number } };
    return { id: `${k.key}@${k.window.start}`, end: k.window.end, value: r.value as number, timestamp: r.timestamp };
  });
  const dropped = d.metrics.total('sluice_late_records_total');
  await d.close();
  return { out, dropped };
}

const cases = [
  ['tumbling 1 s, grace 500 ms', tumbling(1000, { grace: 500 }), 1000, 1000, 500],
  ['tumbling 2 s, no grace', tumbling('2s'), 2000, 2000, 0],
  ['hopping 3 s every 1 s, grace 1 s', hopping('3s', '1s', { grace: '1s' }), 3000, 1000, 1000],
  ['hopping 1 s every 250 ms, grace 200 ms', hopping(1000, 250, { grace: 200 }), 1000, 250, 200],
] as const;

describe.each(Object.keys(stores))('windowed count against an oracle, windows in %s', (storeName) => {
  const store = stores[storeName]!;
  cases.forEach(([name, win, size, advance, grace], c) => {
    it(`${name}: emit final`, async () => {
      const evs = events(1500, 100 + c);
      const expected = oracle(evs, size, advance, grace);
      const { out, dropped } = await run(evs, win, 'final', c, store());
      // Each closed window exactly once, with the oracle's count, in window-start order per batch.
      expect(new Map(out.map((o) => [o.id, o.value]))).toEqual(expected.closed);
      expect(out.length).toBe(expected.closed.size);
      for (const o of out) expect(o.end - Number(o.id.split('@')[1])).toBe(size);
      expect(dropped).toBe(expected.dropped);
      expect(expected.dropped).toBeGreaterThan(0);
    });

    it(`${name}: updates through suppress(untilWindowCloses())`, async () => {
      const evs = events(1500, 300 + c);
      const expected = oracle(evs, size, advance, grace);
      const { out } = await run(evs, win, 'suppressed', c, store());
      // Each window's final count once, when it closes: what emit: 'final' gives.
      expect(new Map(out.map((o) => [o.id, o.value]))).toEqual(expected.closed);
      expect(out.length).toBe(expected.closed.size);
    });

    it(`${name}: emit update`, async () => {
      const evs = events(1500, 200 + c);
      const expected = oracle(evs, size, advance, grace);
      const { out, dropped } = await run(evs, win, 'update', c, store());
      const last = new Map<string, number>();
      for (const o of out) last.set(o.id, o.value);
      expect(last).toEqual(expected.counts);
      expect(dropped).toBe(expected.dropped);
    });
  });
});

describe('windowed count rules', () => {
  it('gives each result the largest timestamp of its window, and drops a record exactly at end + grace', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(tumbling(1000, { grace: 100 })), count({ emit: 'final' }), to('out'));
    });
    const feed = (ts: number) => d.pipeInput('ev', [{ key: Buffer.from('a'), value: { user: 'a', ts } }]);
    await feed(100);
    await feed(700);
    await feed(1100); // stream time 1100 = end + grace of [0, 1000): that window closes
    await feed(900); // exactly late
    expect(d.output('out').map((r) => [(r.key as { window: { start: number } }).window.start, r.value, r.timestamp])).toEqual([[0, 2, 700]]);
    expect(d.metrics.total('sluice_late_records_total')).toBe(1);
    await d.close();
  });

  it('emits closed windows in final mode by window start, then key', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(tumbling(1000, { grace: 1000 })), count({ emit: 'final' }), to('out'));
    });
    const ev = (user: string, ts: number) => ({ key: Buffer.from(user), value: { user, ts }, timestamp: ts });
    // Two windows close in one batch; within each, users by key (Kafka's time-ordered window store).
    await d.pipeInput('ev', [ev('c', 1100), ev('a', 100), ev('b', 200), ev('a', 300), ev('c', 400), ev('b', 1500), ev('z', 1600), ev('a', 1700), ev('x', 3500)]);
    const keys = d.output('out').map((r) => { const k = r.key as { key: string; window: { start: number } }; return `${k.window.start}:${k.key}:${String(r.value)}`; });
    expect(keys).toEqual(['0:a:2', '0:b:1', '0:c:1', '1000:a:1', '1000:b:1', '1000:c:1', '1000:z:1']);
    await d.close();
  });
});

describe('TestDriver time', () => {
  it('stamps records piped without a timestamp with its clock, which advanceTime moves', async () => {
    const d = new TestDriver((app) => {
      app.stream<string, { user: string }>('ev', { key: string() }).pipe(groupByKey((r: Rec<string, { user: string }>) => r.value.user), windowed(tumbling(1000)), count({ emit: 'final' }), to('out'));
    });
    d.advanceTime(10_000);
    await d.pipeInput('ev', [{ key: Buffer.from('a'), value: { user: 'a' } }, { key: Buffer.from('a'), value: { user: 'a' } }]);
    d.advanceTime(1500);
    await d.pipeInput('ev', [{ key: Buffer.from('a'), value: { user: 'a' } }]);
    expect(d.now).toBe(11_500);
    expect(d.output('out').map((r) => [(r.key as { window: { start: number } }).window.start, r.value, r.timestamp])).toEqual([[10_000, 2, 10_000]]);
    await d.close();
  });
});

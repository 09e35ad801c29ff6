/**
 * State survives a restart: a worker's stores are rebuilt from their changelog topics, so a new
 * App on the same log continues the counts where the old one stopped.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { aggregate, count, groupByKey, session, sliding, string, suppress, TestDriver, to, tumbling, untilWindowCloses, windowed, type Rec } from '../../processors/index.js';
import { changelogTopic } from '../../processors/stores/changelog.js';
import { readTopic, testLog, type TestLog } from '../support/log.js';
import { tempDir } from '../support/tmp.js';

interface Ev {
  user: string;
  ts: number;
}

function build(log: TestLog) {
  const client = log.connect();
  const a = app({ id: 'restore', log: client, logger: silentLogger, batch: { maxRecords: 100 } });
  a.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), count({ name: 'totals' }), to('totals-out'));
  a.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts }).pipe(
    groupByKey((r: Rec<string, Ev>) => r.value.user),
    windowed(tumbling(1000, { grace: 0 })),
    count({ name: 'per-second', emit: 'final' }),
    to('per-second-out'),
  );
  return { client, a };
}

async function produce(log: TestLog, evs: Ev[]) {
  const c = log.connect();
  if (!(await c.admin().listTopics()).includes('ev')) await c.admin().createTopic('ev', { partitions: 2 });
  await c.producer().send('ev', evs.map((e) => ({ key: e.user, value: JSON.stringify(e), timestamp: e.ts })));
  await c.close();
}

async function readOut(log: TestLog, topic: string) {
  const out = await readTopic(log.engine, topic);
  return out.map((r) => ({ key: JSON.parse(r.key!.toString()), value: JSON.parse(r.value!.toString()) }));
}

describe('state store restore', () => {
  it('rebuilds keyed and windowed stores from their changelogs after a restart', async () => {
    const dir = await testLog({ dataDir: path.join(tempDir('restore'), 'data') });
    const evs: Ev[] = Array.from({ length: 600 }, (_, i) => ({ user: `u${i % 5}`, ts: 1000 + i * 10 }));
    await produce(dir, evs.slice(0, 250));
    let { a } = build(dir);
    await a.start();
    await a.idle(300);
    await a.stop();
    await produce(dir, evs.slice(250));
    ({ a } = build(dir));
    await a.start();
    await a.idle(300);
    await a.stop();
    const totals = await readOut(dir, 'totals-out');
    const last = new Map<string, number>();
    for (const t of totals) last.set(t.key, t.value);
    expect(last).toEqual(new Map(['u0', 'u1', 'u2', 'u3', 'u4'].map((u) => [u, 120])));
    // Windows [1000, 2000) … [6000, 7000) closed (stream time 6990 passed only the first five):
    // each exactly once, 20 per user, even those that spanned the restart.
    const windows = await readOut(dir, 'per-second-out');
    const byWindow = new Map<string, number>();
    for (const w of windows) byWindow.set(`${w.key.key}@${w.key.window.start}`, (byWindow.get(`${w.key.key}@${w.key.window.start}`) ?? 0) + 1);
    expect([...byWindow.values()].every((n) => n === 1)).toBe(true);
    expect(windows).toHaveLength(5 * 5);
    expect(windows.every((w) => w.value === 20)).toBe(true);
    // The changelog, read as a table, holds only what is still open: the windows [6000, 7000) and
    // each task's stream time. A closed window left in it would come back at the next restore.
    const live = new Map<string, string>();
    for (const r of await readTopic(dir.engine, changelogTopic('restore', 'per-second'))) {
      if (r.value === null) live.delete(r.key!.toString());
      else live.set(r.key!.toString(), r.value.toString());
    }
    const windowKeys = [...live.keys()].filter((k) => k !== '"__streamTime"').map((k) => JSON.parse(k) as [string, number]);
    expect(windowKeys.map(([, start]) => start).sort()).toEqual([6000, 6000, 6000, 6000, 6000]);
  });
});

describe('restore of sliding windows, sessions and suppress buffers', () => {
  /** Sliding and session aggregations and a suppress buffer, on one input of one partition. */
  function pipelines(a: { stream: typeof TestDriver.prototype.stream }) {
    const ev = () => a.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts });
    ev().pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(sliding(300, { grace: 100 })), aggregate(() => '', (s: string, v: Ev) => `${s}${v.ts % 1000},`, { name: 'slide', emit: 'final' }), to('slide-out'));
    ev().pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(session(150, { grace: 50 })), count({ name: 'sess', emit: 'final', retention: 2000 }), to('sess-out'));
    ev().pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(tumbling(500, { grace: 100 })), count({ name: 'tumble' }), suppress(untilWindowCloses(), { name: 'held' }), to('held-out'));
  }

  it('continue after a restart as if there had been none', async () => {
    const evs: Ev[] = Array.from({ length: 500 }, (_, i) => ({ user: `u${i % 3}`, ts: 1000 + i * 23 + ((i * 7919) % 5) * 40 }));
    // Without a restart: the driver, one record per batch.
    const d = new TestDriver((app) => pipelines(app));
    for (const e of evs) await d.pipeInput('ev', [{ key: e.user, value: e, timestamp: e.ts }], { key: string() });
    const rows = (recs: Array<{ key: unknown; value: unknown }>) => recs.map((r) => JSON.stringify([r.key, r.value])).sort();
    const expected = Object.fromEntries(['slide-out', 'sess-out', 'held-out'].map((t) => [t, rows(d.output(t))]));
    await d.close();
    expect(expected['held-out']!.length).toBeGreaterThan(50);

    const log = await testLog({ dataDir: path.join(tempDir('restore-more'), 'data') });
    const c = log.connect();
    await c.admin().createTopic('ev', { partitions: 1 });
    await c.close();
    for (const part of [evs.slice(0, 230), evs.slice(230)]) {
      await produce(log, part);
      const a = app({ id: 'restore-more', log: log.connect(), logger: silentLogger, batch: { maxRecords: 40 } });
      pipelines(a as never);
      await a.start();
      await a.idle(300);
      await a.stop();
    }
    for (const t of ['slide-out', 'sess-out', 'held-out']) expect(rows(await readOut(log, t)), t).toEqual(expected[t]);
  });
});

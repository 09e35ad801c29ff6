/**
 * State survives a restart: a worker's stores are rebuilt from their changelog topics, so a new
 * App on the same log continues the counts where the old one stopped.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { app } from '../../processors/streams-app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { count, groupByKey, string, to, tumbling, windowed, type Rec } from '../../processors/index.js';
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

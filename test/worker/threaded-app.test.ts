/**
 * A threaded app: the same app in several worker threads over one embedded log. The threads'
 * members share the input partitions through the group, the windowed counts they produce equal
 * a per-partition oracle, state moves between threads through the changelog when the thread
 * count changes, and a module that cannot build an app fails start() with a clear error.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { embedded, type EmbeddedClient } from '../../core/client/embedded/client.js';
import { ThreadFailedError } from '../../core/worker/errors.js';
import { threadedApp, type ThreadedApp } from '../../core/worker/threads/threaded-app.js';
import { mulberry32 } from '../../bench/lib.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const fixture = path.join(repoRoot, 'test/fixtures/threaded-count-app.ts');
const SIZE = 1000;
const GRACE = 200;
type Ev = { user: string; ts: number };

/** Kafka Streams' rules per task (= partition): stream time, late drops, windows closed by the final stream time. */
function oracle(perPartition: Ev[][]): { closed: Map<string, number>; dropped: number } {
  const closed = new Map<string, number>();
  let dropped = 0;
  for (const events of perPartition) {
    const counts = new Map<string, number>();
    let st = -1;
    for (const e of events) {
      st = Math.max(st, e.ts);
      const start = e.ts - (e.ts % SIZE);
      if (start + SIZE + GRACE <= st) {
        dropped++;
        continue;
      }
      const k = `${e.user}@${start}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, n] of counts) if (Number(k.split('@')[1]) + SIZE + GRACE <= st) closed.set(k, n);
  }
  return { closed, dropped };
}

async function results(client: EmbeddedClient): Promise<Map<string, number>> {
  const { engine } = await client.deps();
  const out = new Map<string, number>();
  for (let p = 0; p < engine.partitionCount('counts-out'); p++) {
    for (const r of (await engine.readRecords('counts-out', p, 0, 1 << 30)).records) {
      const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
      out.set(`${k.key}@${k.window.start}`, Number(r.value!.toString()));
    }
  }
  return out;
}

async function waitCommitted(client: EmbeddedClient, group: string, total: number): Promise<void> {
  for (;;) {
    const g = await client.admin().describeGroup(group);
    if (g.offsets.reduce((s, o) => s + o.committed, 0) >= total) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('threadedApp', () => {
  let running: ThreadedApp | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('shares the partitions among the threads and counts as the oracle does, across a change of thread count', async () => {
    const client = embedded({ dataDir: tempDir('threads'), flush: 'never', maintenanceIntervalMs: 0 });
    const admin = client.admin();
    const P = 4;
    await admin.createTopic('events', { partitions: P });
    const rnd = mulberry32(3);
    const all: Ev[] = Array.from({ length: 12_000 }, (_, i) => ({ user: `u${Math.floor(rnd() * 40)}`, ts: 50_000 + i * 3 + Math.round((rnd() - 0.5) * 800) }));
    const send = async (evs: Ev[]) => {
      for (let i = 0; i < evs.length; i += 500) await client.producer().send('events', evs.slice(i, i + 500).map((e) => ({ key: e.user, value: JSON.stringify(e), timestamp: e.ts })));
    };
    const half = all.length / 2;
    await send(all.slice(0, half));

    running = threadedApp({ module: fixture, threads: 2, log: client, data: { id: 'thr' } });
    await running.start();
    await waitCommitted(client, 'thr.events-0', half);
    // start() returns once each thread's app started; their members join the group after.
    let g = await admin.describeGroup('thr.events-0');
    while (g.state !== 'Stable' || g.members.length < 2 || g.members.some((m) => m.assignment.length === 0)) {
      await new Promise((r) => setTimeout(r, 20));
      g = await admin.describeGroup('thr.events-0');
    }
    expect(g.members).toHaveLength(2);
    expect(g.members.map((m) => m.assignment.length).sort()).toEqual([2, 2]);
    await running.stop();

    // More data, three threads: tasks move, their window stores come back from the changelog.
    await send(all.slice(half));
    running = threadedApp({ module: fixture, threads: 3, log: client, data: { id: 'thr' }, metricsPort: 0 });
    await running.start();
    await waitCommitted(client, 'thr.events-0', all.length);
    const dropped = await running.metricTotal('sluice_late_records_total');
    // One /metrics for the process: every thread's series, labelled with its thread.
    const { host, port } = running.metricsAddress!;
    const text = await (await fetch(`http://${host}:${port}/metrics`)).text();
    const inLines = text.split('\n').filter((l) => l.startsWith('sluice_records_in_total{'));
    // (Which threads have series depends on when each joined; every series names one of them.)
    expect(inLines.length).toBeGreaterThan(0);
    for (const l of inLines) expect(l, text).toMatch(/thread="[012]"/);
    expect(text.match(/^# TYPE sluice_records_in_total counter$/gm), text).toHaveLength(1);
    const inTotal = inLines.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    expect(inTotal).toBe(await running.metricTotal('sluice_records_in_total'));
    expect(inTotal).toBeGreaterThanOrEqual(all.length - half);
    expect((await fetch(`http://${host}:${port}/health`)).status).toBe(200);
    await running.stop();

    // Partition of each event as the producer chose it (murmur2 of the key): read it back.
    const { engine } = await client.deps();
    const perPartition: Ev[][] = [];
    for (let p = 0; p < P; p++) perPartition.push((await engine.readRecords('events', p, 0, 1 << 30)).records.map((r) => JSON.parse(r.value!.toString()) as Ev));
    const want = oracle(perPartition);
    expect(want.closed.size).toBeGreaterThan(100);
    expect(want.dropped).toBeGreaterThan(0);
    const got = await results(client);
    expect(got).toEqual(want.closed);
    // Late records of the second run only (the first run's metrics went with its threads).
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThanOrEqual(want.dropped);
    await client.close();
  });

  it('fails start() with the thread and the reason when the module cannot build an app', async () => {
    const client = embedded({ memory: true });
    for (const [exp, msg] of [
      ['throwsWhileBuilding', 'no pipeline today'],
      ['returnsNoApp', 'must return an App'],
      ['missing', 'has no function export "missing"'],
    ] as const) {
      const t = threadedApp({ module: fixture, export: exp, threads: 2, log: client, data: { id: 'bad' } });
      const err = await t.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ThreadFailedError);
      expect((err as Error).message).toContain(msg);
      await expect(t.done).rejects.toThrow(msg);
    }
    expect(() => threadedApp({ module: fixture, threads: 0, log: client })).toThrow(/threads/);
    expect(() => threadedApp({ module: fixture, log: {} as EmbeddedClient })).toThrow(/log must be an embedded log client/);
    await client.close();
  });

  it('fails, and stops every thread, when the app of one thread fails at run time', async () => {
    const client = embedded({ memory: true });
    await client.admin().createTopic('events', { partitions: 2 });
    const t = threadedApp({ module: fixture, export: 'failsOnPoison', threads: 2, log: client });
    running = t;
    await t.start();
    await client.producer().send('events', [{ key: 'a', value: JSON.stringify({ user: 'a', ts: 1 }) }, { key: 'poison', value: JSON.stringify({ user: 'poison', ts: 2 }) }]);
    const err = await t.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThreadFailedError);
    expect((err as Error).message).toContain('poison record');
    // Nothing was committed past the poison record's batch.
    const g = await client.admin().describeGroup('poison.events-0');
    const poisonPartition = (await client.admin().describeTopic('events')).partitions.find((p) => p.highWatermark > 0 && g.offsets.every((o) => o.partition !== p.partition || o.committed < p.highWatermark));
    expect(poisonPartition).toBeDefined();
    // Every thread's app stopped when done rejected: no member is left in the group.
    expect((await client.admin().describeGroup('poison.events-0')).members).toEqual([]);
    await client.close();
  });

  it('runs from the CLI: sluice run FILE --data-dir DIR --threads 2, stopped by SIGTERM with everything committed', async () => {
    const dataDir = path.join(tempDir('threads-cli'), 'data');
    const setup = embedded({ dataDir, maintenanceIntervalMs: 0 });
    await setup.admin().createTopic('events', { partitions: 2 });
    const rnd = mulberry32(8);
    const evs: Ev[] = Array.from({ length: 4000 }, (_, i) => ({ user: `u${Math.floor(rnd() * 10)}`, ts: 10_000 + i * 5 }));
    await setup.producer().send('events', evs.map((e) => ({ key: e.user, value: JSON.stringify(e), timestamp: e.ts })));
    await setup.close();
    const runOnce = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sluice.js'), 'run', fixture, '--data-dir', dataDir, '--threads', '2'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        // SIGTERM 5 s after both threads' apps started (starting takes seconds on a busy machine;
        // a SIGTERM during the start stops it before any thread logs).
        let term: NodeJS.Timeout | undefined;
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (!term && /"thread":0,"msg":"app started"/.test(stderr) && /"thread":1,"msg":"app started"/.test(stderr)) term = setTimeout(() => child.kill('SIGTERM'), 5000);
        });
        const deadline = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.on('exit', (code) => {
          clearTimeout(term);
          clearTimeout(deadline);
          resolve({ code, stderr });
        });
      });
    // A slow machine may need more than one run to get through; each resumes from the commits.
    let committed = 0;
    let check!: EmbeddedClient;
    for (let i = 0; i < 5 && committed < evs.length; i++) {
      const r = await runOnce();
      expect(r.code, r.stderr).toBe(0);
      // Each thread's log lines say which thread wrote them.
      expect(r.stderr).toMatch(/"thread":0,"msg":"app started"/);
      expect(r.stderr).toMatch(/"thread":1,"msg":"app started"/);
      check = embedded({ dataDir, maintenanceIntervalMs: 0 });
      committed = (await check.admin().describeGroup('thr-cli.events-0')).offsets.reduce((n, o) => n + o.committed, 0);
      if (committed < evs.length) await check.close();
    }
    expect(committed).toBe(evs.length);
    const { engine } = await check.deps();
    const perPartition = [0, 1].map(async (p) => (await engine.readRecords('events', p, 0, 1 << 30)).records.map((r) => JSON.parse(r.value!.toString()) as Ev));
    expect(await results(check)).toEqual(oracle(await Promise.all(perPartition)).closed);
    await check.close();
  }, 180_000);
});

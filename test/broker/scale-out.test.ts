/**
 * Scale-out through `sluice broker`: two `sluice run` workers of one app (KafkaClient over kafkajs)
 * share the input partitions of a windowed aggregation; one is killed with SIGKILL, the other takes
 * its partitions over after the session timeout, restores their state stores from the changelogs,
 * and the final windows equal the oracle's (the aggregate collects distinct ids, so replayed
 * batches cannot show).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { coordinatorFor } from '../../core/groups/coordinator.js';
import { readTopic } from '../support/log.js';
import { repoRoot, tempDir } from '../support/tmp.js';
import { testBroker } from './support.js';

const bin = path.join(repoRoot, 'bin/sluice.js');
const fixture = path.join(repoRoot, 'test/fixtures/aggregation-app.ts');
const broker = await testBroker({ dataDir: path.join(tempDir('scale-out'), 'data'), autoCreateTopics: false });

function worker(): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [bin, 'run', fixture], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SLUICE_TEST_BROKERS: broker.address, SLUICE_TEST_FINAL: '0', SLUICE_TEST_KEYED: '1', SLUICE_LOG_LEVEL: process.env.SCALE_VERBOSE ? 'info' : 'warn' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr }))) };
}

const appGroups = async () => (await (await coordinatorFor(broker.engine)).listGroups()).map((g) => g.groupId).filter((g) => g.startsWith('crash-agg.'));

/** Every input partition of every group of the app is committed up to its end. */
async function caughtUp(): Promise<boolean> {
  const coordinator = await coordinatorFor(broker.engine);
  const gs = await appGroups();
  if (gs.length < 1) return false;
  for (const g of gs) {
    const committed = await coordinator.fetchOffsets({ groupId: g });
    const topics = new Set(committed.map((c) => c.topic));
    if (topics.size === 0) return false;
    for (const t of topics) {
      for (const p of broker.engine.describeTopic(t).partitions) {
        const c = committed.find((x) => x.topic === t && x.partition === p.partition)?.offset ?? 0;
        if (c < p.highWatermark) return false;
      }
    }
  }
  return true;
}

async function members(groupId: string): Promise<number[]> {
  const desc = await (await coordinatorFor(broker.engine)).describeGroup(groupId);
  return desc.state === 'Stable' ? desc.members.map((m) => m.assignment.length) : [];
}

describe('two sluice run workers on one broker', () => {
  it('share partitions, survive a SIGKILL of one, and end with the oracle’s windows', async () => {
    const N = 40_000;
    const rnd = mulberry32(23);
    const events = Array.from({ length: N }, (_, id) => ({ id, user: `u${Math.floor(rnd() * 8)}`, ts: 100_000 + id * 2 + Math.round((rnd() - 0.5) * 100) }));
    await broker.engine.createTopic('events', { partitions: 4 });
    const produce = async (from: number, to: number) => {
      for (let i = from; i < to; i += 500) {
        const chunk = events.slice(i, Math.min(i + 500, to));
        for (let p = 0; p < 4; p++) {
          const mine = chunk.filter((e) => Number(e.user.slice(1)) % 4 === p);
          if (mine.length) await broker.engine.append('events', p, mine.map((e) => ({ key: e.user, value: JSON.stringify(e), timestamp: e.ts })));
        }
        await new Promise((r) => setTimeout(r, 40));
      }
    };

    const a = worker();
    const b = worker();
    try {
      // Both workers joined the app's group and each holds tasks.
      let split = false;
      for (let i = 0; i < 600 && !split; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const gs = await appGroups();
        split = gs.length === 1;
        for (const g of gs) {
          const m = await members(g);
          split &&= m.length === 2;
        }
      }
      expect(split).toBe(true);
      // Events arrive while both work; one worker dies in the middle of it.
      await produce(0, N / 2);
      a.child.kill('SIGKILL');
      expect((await a.exit).signal).toBe('SIGKILL');
      await produce(N / 2, N);
      // The survivor takes every partition over (after the session timeout) and catches up.
      let done = false;
      for (let i = 0; i < 1200 && !done; i++) {
        await new Promise((r) => setTimeout(r, 100));
        done = await caughtUp();
      }
      expect(done).toBe(true);
      if (process.env.SCALE_VERBOSE) {
        const c = await coordinatorFor(broker.engine);
        for (const g of await appGroups()) console.log(g, JSON.stringify(await c.fetchOffsets({ groupId: g })), JSON.stringify((await c.describeGroup(g)).members.length));
        for (const t of broker.engine.listTopics()) console.log(t, JSON.stringify(broker.engine.describeTopic(t).partitions.map((p) => p.highWatermark)));
      }
      b.child.kill('SIGTERM');
      const end = await b.exit;
      if (process.env.SCALE_VERBOSE) console.log(end.stderr);
      expect(end.code, end.stderr).toBe(0);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }

    const last = new Map<string, number>();
    for (const r of await readTopic(broker.engine, 'distinct-per-second')) {
      const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
      last.set(`${k.key}@${k.window.start}`, Object.keys(JSON.parse(r.value!.toString())).length);
    }
    // Oracle per user and 1 s window. A window is final once its task's stream time passed
    // end + grace; every task holds some users, so its stream time is at least the smallest of the
    // users' last timestamps: windows ending before that are certainly closed.
    const lastTs = new Map<string, number>();
    for (const e of events) lastTs.set(e.user, Math.max(lastTs.get(e.user) ?? 0, e.ts));
    const horizon = Math.min(...lastTs.values());
    const oracle = new Map<string, Set<number>>();
    for (const e of events) {
      const k = `${e.user}@${e.ts - (e.ts % 1000)}`;
      oracle.set(k, (oracle.get(k) ?? new Set()).add(e.id));
    }
    const isClosed = (k: string) => Number(k.split('@')[1]) + 1300 <= horizon;
    const closed = [...oracle].filter(([k]) => isClosed(k));
    expect(closed.length).toBeGreaterThan(100);
    if (process.env.SCALE_VERBOSE) {
      const missing = closed.filter(([k]) => !last.has(k)).map(([k]) => k);
      const wrong = closed.filter(([k, ids]) => last.has(k) && last.get(k) !== ids.size).map(([k, ids]) => `${k}:${last.get(k)}/${ids.size}`);
      console.log('horizon', horizon, 'missing', missing.length, missing.slice(0, 20).join(' '), 'wrong', wrong.length, wrong.slice(0, 10).join(' '));
    }
    expect(new Map([...last].filter(([k]) => isClosed(k)))).toEqual(new Map(closed.map(([k, ids]) => [k, ids.size])));
  }, 180_000);
});

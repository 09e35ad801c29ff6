/**
 * A worker killed with SIGKILL in the middle of a windowed aggregation and restarted: its state
 * comes back from the changelogs, nothing is lost, and since the aggregate collects distinct ids
 * (duplicates cannot show), the final windows equal the oracle's.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { mulberry32 } from '../../bench/lib.js';
import { clientKind, testLog } from '../support/log.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const bin = path.join(repoRoot, 'bin/sluice.js');
const fixture = path.join(repoRoot, 'test/fixtures/aggregation-app.ts');

function run(dataDir: string, final: boolean, killAfterMs?: number, brokers: string | null = null): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'run', fixture], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SLUICE_TEST_DATA_DIR: dataDir, SLUICE_TEST_BROKERS: brokers ?? '', SLUICE_TEST_FINAL: final ? '1' : '0', SLUICE_LOG_LEVEL: 'warn' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('windowed aggregation under SIGKILL', () => {
  it('restores state from the changelogs and ends with the oracle’s windows', async () => {
    const dataDir = path.join(tempDir('crash-agg'), 'data');
    const N = 60_000;
    const rnd = mulberry32(11);
    const events = Array.from({ length: N }, (_, id) => ({ id, user: `u${Math.floor(rnd() * 5)}`, ts: 100_000 + id * 2 + Math.round((rnd() - 0.5) * 100) }));
    // Embedded: the workers open the data dir themselves. Kafka: a broker here owns it, and the
    // workers reach it with --brokers semantics (SLUICE_TEST_BROKERS).
    const log = clientKind === 'kafka' ? await testLog({ dataDir }) : null;
    const client = log?.client ?? embedded({ dataDir, maintenanceIntervalMs: 0 });
    await client.admin().createTopic('events', { partitions: 1 });
    for (let i = 0; i < N; i += 1000) await client.producer().send('events', events.slice(i, i + 1000).map((e) => ({ key: e.user, value: JSON.stringify(e), timestamp: e.ts })));
    if (!log) await client.close();

    const rk = mulberry32(5);
    let kills = 0;
    for (let i = 0; i < 5; i++) {
      const r = await run(dataDir, false, 1500 + Math.floor(rk() * 1500), log?.brokers);
      if (r.signal === 'SIGKILL') kills++;
    }
    expect(kills).toBe(5);
    const final = await run(dataDir, true, undefined, log?.brokers);
    expect(final.code, final.stderr).toBe(0);

    // Oracle: the ids per user and 1 s window. Jitter (±50 ms) stays within the grace (300 ms),
    // so nothing is late and every window closed by the last timestamp must be there, exact.
    const c2 = log ? null : embedded({ dataDir, maintenanceIntervalMs: 0 });
    const engine = log ? log.engine : (await c2!.deps()).engine;
    const last = new Map<string, number>();
    for (let p = 0; p < engine.partitionCount('distinct-per-second'); p++) {
      for (const r of (await engine.readRecords('distinct-per-second', p, 0, 1 << 26)).records) {
        const k = JSON.parse(r.key!.toString()) as { key: string; window: { start: number } };
        last.set(`${k.key}@${k.window.start}`, Object.keys(JSON.parse(r.value!.toString())).length);
      }
    }
    await c2?.close();
    const oracle = new Map<string, Set<number>>();
    for (const e of events) {
      const k = `${e.user}@${e.ts - (e.ts % 1000)}`;
      oracle.set(k, (oracle.get(k) ?? new Set()).add(e.id));
    }
    const maxTs = Math.max(...events.map((e) => e.ts));
    const closed = [...oracle].filter(([k]) => Number(k.split('@')[1]) + 1000 + 300 <= maxTs);
    expect(closed.length).toBeGreaterThan(200);
    expect(new Map([...last].filter(([k]) => Number(k.split('@')[1]) + 1300 <= maxTs))).toEqual(new Map(closed.map(([k, ids]) => [k, ids.size])));
  }, 120_000);
});

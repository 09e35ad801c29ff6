/**
 * A worker killed (SIGKILL) in the middle of restoring its state and started again: the restore
 * starts over from the changelog (a Redis copy left half-written is cleared first), the task
 * processes its batch only once the store is whole, and the counts come out exact.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { changelogTopic } from '../../processors/stores/changelog.js';
import { deleteKeysWithPrefix } from '../../processors/stores/redis-util.js';
import { onCleanup } from '../support/cleanup.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const bin = path.join(repoRoot, 'bin/sluice.js');
const fixture = path.join(repoRoot, 'test/fixtures/restore-app.ts');

/** Runs the app; with `killOn`, SIGKILLs it as soon as a stderr line matches. */
function run(env: Record<string, string>, killOn?: RegExp): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'run', fixture], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, SLUICE_LOG_LEVEL: 'info' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killOn && killOn.test(stderr) && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('restore under SIGKILL', () => {
  it('a worker killed mid-restore restores from the start when it comes back, and ends with exact counts', async () => {
    const dataDir = path.join(tempDir('restore-kill'), 'data');
    const redis = new Redis('redis://127.0.0.1:6379');
    const prefix = `restorekill-${randomUUID()}:`;
    onCleanup(async () => {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    });
    // The store's changelog as an earlier run left it: 120 000 updates of 5 000 keys, the last
    // one of key u<k> saying k + 1.
    const KEYS = 5000;
    const N = 120_000;
    const client = embedded({ dataDir, maintenanceIntervalMs: 0, flush: 'never' });
    const topic = changelogTopic('restore-kill', 'totals');
    await client.admin().createTopic(topic, { partitions: 1, config: { 'cleanup.policy': 'compact' } });
    await client.admin().createTopic('ev', { partitions: 1 });
    const producer = client.producer();
    for (let i = 0; i < N; i += 10_000) {
      const batch = [];
      for (let j = i; j < i + 10_000; j++) {
        const k = j % KEYS;
        batch.push({ key: JSON.stringify(`u${k}`), value: String(j >= N - KEYS ? k + 1 : j), partition: 0 });
      }
      await producer.send(topic, batch);
    }
    // New input: one record for each of the first 1 000 keys.
    await producer.send('ev', Array.from({ length: 1000 }, (_, k) => ({ key: `u${k}`, value: '{}' })));
    await client.close();

    const env = { SLUICE_TEST_DATA_DIR: dataDir, SLUICE_TEST_REDIS_PREFIX: prefix };
    const killed = await run(env, /restoring state store/);
    expect(killed.signal).toBe('SIGKILL');
    // Killed while restoring: the restore had started and not finished, nothing was processed.
    expect(killed.stderr).toMatch(/restoring state store/);
    expect(killed.stderr).not.toMatch(/restored state store/);
    expect((await redis.keys(`${prefix}*`)).length).toBeLessThan(KEYS);

    const final = await run({ ...env, SLUICE_TEST_FINAL: '1' });
    expect(final.code, final.stderr).toBe(0);
    expect(final.stderr).toMatch(/restored state store/);

    const c2 = embedded({ dataDir, maintenanceIntervalMs: 0 });
    onCleanup(() => c2.close());
    const { engine } = await c2.deps();
    const out = (await engine.readRecords('totals-out', 0, 0, 1 << 24)).records.map((r) => [r.key!.toString(), Number(r.value!.toString())]);
    expect(out).toEqual(Array.from({ length: 1000 }, (_, k) => [`u${k}`, k + 2]));
    // Redis holds the whole table: every restored key, the updated ones updated.
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBe(KEYS);
    const values = await redis.mget(...[0, 999, 1000, 4999].map((k) => `${prefix}0:"u${k}"`));
    expect(values).toEqual(['2', '1001', '1001', '5000']);
  }, 60_000);
});

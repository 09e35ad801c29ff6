/**
 * One contract for window and session stores, run in memory and on a real Redis
 * (127.0.0.1:6379, unique prefix, deleted afterwards): range reads in order, pending writes
 * visible, expiry, and the same contents rebuilt from the changelog in a new task.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { embedded } from '../../../core/client/embedded/client.js';
import { testTask } from '../../support/task.js';
import { changelogTopic } from '../../../processors/stores/changelog.js';
import { LoggedSessionStore, LoggedWindowStore, type StoreBackendOptions } from '../../../processors/stores/window-stores.js';

const redis = new Redis('redis://127.0.0.1:6379');
const runId = randomUUID();
afterAll(async () => {
  const keys = await redis.keys(`wstest-${runId}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function list<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function setup(appId: string, name: string) {
  const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
  await client.admin().createTopic(changelogTopic(appId, name), { partitions: 1, config: { 'cleanup.policy': 'compact' } });
  const task = () => testTask(client, appId);
  return { client, task };
}

const backends: Array<[string, (name: string) => StoreBackendOptions]> = [
  ['memory', () => ({ backend: 'memory' })],
  ['redis', (name) => ({ backend: 'redis', redis, prefix: `wstest-${runId}:${name}:` })],
];

for (const [impl, opts] of backends) {
  describe(`window store contract: ${impl}`, () => {
    it('reads ranges in start-then-key order, expires, and is rebuilt from its changelog', async () => {
      const { client, task } = await setup(`ws-${impl}`, 'counts');
      const t1 = task();
      const s = await LoggedWindowStore.open<string, number>('counts', t1, opts('counts'));
      s.put('b', 1000, 1);
      s.put('a', 1000, 2);
      s.put('a', 2000, 3);
      s.put('a', 3000, 4);
      expect(await s.get('a', 2000)).toBe(3);
      await s.flush();
      await t1.flush();
      s.put('a', 3000, null);
      expect(await list(s.fetch('a', 1000, 3000))).toEqual([[1000, 2], [2000, 3]]);
      expect(await list(s.fetchAll(0, 5000))).toEqual([['a', 1000, 2], ['b', 1000, 1], ['a', 2000, 3]]);
      await s.expire(2000);
      await s.flush();
      await t1.flush();
      expect(await list(s.fetchAll(0, 5000))).toEqual([['a', 2000, 3]]);
      await s.close();
      const again = await LoggedWindowStore.open<string, number>('counts', task(), opts('counts'));
      expect(await list(again.fetchAll(0, 5000))).toEqual([['a', 2000, 3]]);
      await again.close();
      await client.close();
    });
  });

  describe(`session store contract: ${impl}`, () => {
    it('finds overlapping sessions, removes, expires, and is rebuilt from its changelog', async () => {
      const { client, task } = await setup(`ss-${impl}`, 'sessions');
      const t1 = task();
      const s = await LoggedSessionStore.open<string, number>('sessions', t1, opts('sessions'));
      s.put('u', { start: 0, end: 100 }, 2);
      s.put('u', { start: 500, end: 700 }, 5);
      s.put('v', { start: 50, end: 60 }, 1);
      expect(await list(s.findSessions('u', 90, 600))).toEqual([[{ start: 0, end: 100 }, 2], [{ start: 500, end: 700 }, 5]]);
      expect(await list(s.findSessions('u', 101, 600))).toEqual([[{ start: 500, end: 700 }, 5]]);
      await s.flush();
      await t1.flush();
      s.remove('u', { start: 500, end: 700 });
      s.put('u', { start: 0, end: 700 }, 7);
      await s.expire(65);
      await s.flush();
      await t1.flush();
      expect(await list(s.findSessions('v', 0, 1000))).toEqual([]);
      expect(await list(s.findSessions('u', 0, 1000))).toEqual([[{ start: 0, end: 100 }, 2], [{ start: 0, end: 700 }, 7]]);
      await s.close();
      const again = await LoggedSessionStore.open<string, number>('sessions', task(), opts('sessions'));
      expect(await list(again.findSessions('u', 0, 1000))).toEqual([[{ start: 0, end: 100 }, 2], [{ start: 0, end: 700 }, 7]]);
      await again.close();
      await client.close();
    });
  });
}

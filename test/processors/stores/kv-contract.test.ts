/**
 * One contract for key-value stores, run against the in-memory store and the Redis store (a real
 * Redis on 127.0.0.1:6379, unique prefix per run, deleted afterwards): reads see writes, deletes
 * delete, flush writes the changelog, and a store opened again is rebuilt from its changelog.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { embedded } from '../../../core/client/embedded/client.js';
import { testTask } from '../../support/task.js';
import type { TaskContext } from '../../../core/worker/contracts.js';
import type { KeyValueStore } from '../../../processors/types.js';
import { MemoryKeyValueStore } from '../../../processors/stores/memory-kv.js';
import { RedisKeyValueStore } from '../../../processors/stores/redis-kv.js';
import { changelogTopic } from '../../../processors/stores/changelog.js';

const redis = new Redis('redis://127.0.0.1:6379');
const runId = randomUUID();
afterAll(async () => {
  const keys = await redis.keys(`kvtest-${runId}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

type Opener = (name: string, task: TaskContext) => Promise<KeyValueStore<unknown, unknown>>;

const impls: Array<[string, Opener]> = [
  ['memory', (name, task) => MemoryKeyValueStore.open(name, task)],
  ['redis', (name, task) => RedisKeyValueStore.open(name, task, { redis, prefix: `kvtest-${runId}:${name}:` })],
];

async function collect<K, V>(it: AsyncIterable<[K, V]> | Iterable<[K, V]>): Promise<Map<string, V>> {
  const out = new Map<string, V>();
  for await (const [k, v] of it as AsyncIterable<[K, V]>) out.set(JSON.stringify(k), v);
  return out;
}

for (const [impl, open] of impls) {
  describe(`key-value store contract: ${impl}`, () => {
    it('reads its writes, deletes, logs to its changelog at flush, and is rebuilt from it', async () => {
      const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
      const appId = `kv-${impl}`;
      const name = 'profiles';
      await client.admin().createTopic(changelogTopic(appId, name), { partitions: 1, config: { 'cleanup.policy': 'compact' } });
      const task = () => testTask(client, appId);
      const t1 = task();
      const store = await open(name, t1);
      store.put('ann', { age: 30 });
      store.put({ id: 2 }, [1, 2]);
      store.put('bob', 'x');
      expect(await store.get('ann')).toEqual({ age: 30 });
      store.delete('bob');
      expect(await store.get('bob')).toBeUndefined();
      await store.flush();
      await t1.flush(); // the changelog records become durable with the batch, as in the worker
      expect(await store.get({ id: 2 })).toEqual([1, 2]);
      store.put('ann', { age: 31 });
      await store.flush();
      await t1.flush();
      expect(await collect(store.all())).toEqual(new Map<string, unknown>([['"ann"', { age: 31 }], ['{"id":2}', [1, 2]]]));
      await store.close();
      // A new task (restart) rebuilds the same contents from the changelog.
      const again = await open(name, task());
      expect(await collect(again.all())).toEqual(new Map<string, unknown>([['"ann"', { age: 31 }], ['{"id":2}', [1, 2]]]));
      expect(await again.get('bob')).toBeUndefined();
      await again.close();
      await client.close();
    });
  });
}

/**
 * The key-value store contract (contract.ts) against the in-memory store and the Redis store (a
 * real Redis on 127.0.0.1:6379, a unique key prefix per test, deleted afterwards).
 */
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { MemoryKeyValueStore } from '../../../processors/stores/memory-kv.js';
import { RedisKeyValueStore } from '../../../processors/stores/redis-kv.js';
import { keyValueStoreContract } from './contract.js';

const redis = new Redis('redis://127.0.0.1:6379');
afterAll(async () => {
  await redis.quit();
});

async function deletePrefix(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

keyValueStoreContract('memory', { open: (name, task) => MemoryKeyValueStore.open(name, task) });

keyValueStoreContract('redis', {
  open: (name, task, prefix) => RedisKeyValueStore.open(name, task, { redis, prefix }),
  cleanup: async (prefix) => {
    await deletePrefix(prefix);
    if ((await redis.keys(`${prefix}*`)).length) throw new Error(`keys under ${prefix} survived the test`);
  },
});

/**
 * The key-value store contract (contract.ts) against the in-memory store and the Redis store (a
 * real Redis on 127.0.0.1:6379, a unique key prefix per test, deleted afterwards).
 */
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { MemoryKeyValueStore } from '../../../processors/stores/memory-kv.js';
import { RedisKeyValueStore } from '../../../processors/stores/redis-kv.js';
import { keyValueStoreContract } from './contract.js';
import { deleteKeysWithPrefix as deleteRedisPrefix } from '../../../processors/stores/redis-util.js';

const redis = new Redis('redis://127.0.0.1:6379');
afterAll(async () => {
  await redis.quit();
});

const deletePrefix = (prefix: string) => deleteRedisPrefix(redis, prefix);

keyValueStoreContract('memory', { open: (name, task) => MemoryKeyValueStore.open(name, task) });

keyValueStoreContract('redis', {
  open: (name, task, prefix) => RedisKeyValueStore.open(name, task, { redis, prefix }),
  cleanup: async (prefix) => {
    await deletePrefix(prefix);
    if ((await redis.keys(`${prefix}*`)).length) throw new Error(`keys under ${prefix} survived the test`);
  },
});

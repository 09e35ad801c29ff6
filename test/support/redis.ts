/** Redis helpers for tests that keep keys under a prefix of their own and delete them afterwards. */
import type { Redis } from 'ioredis';

/** Deletes every key under `prefix` (SCAN, so a large test leaves no key and blocks no one). */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** What every Redis-backed store does with its client: run a pipeline to completion, clear its prefix. */
import type { ChainableCommander, Redis } from 'ioredis';

/** Runs a pipeline; rejects with the first command's error (ioredis resolves with errors inside). */
export async function execPipeline(p: ChainableCommander): Promise<void> {
  const res = await p.exec();
  const failed = res?.find(([err]) => err);
  if (failed) throw failed[0];
}

/** Deletes every key under `prefix` (SCAN, so no single command blocks Redis for long). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

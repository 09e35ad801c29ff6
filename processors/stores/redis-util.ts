/** What every Redis-backed store does with its client: connect, read in bulk, run a pipeline, clear its prefix. */
import { Redis, type ChainableCommander } from 'ioredis';

/** Ids per MGET: one round trip per batch for most batches, without stalling Redis. */
const MGET_CHUNK = 10_000;

/** The given client (not owned: the caller closes it), or a new one for `url` (owned: the store quits it). */
export function redisClient(opts: { redis?: Redis; url?: string }): { redis: Redis; owned: boolean } {
  if (opts.redis) return { redis: opts.redis, owned: false };
  return { redis: new Redis(opts.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 }), owned: true };
}

/** The key prefix of one task's part of a store: `<prefix><partition>:`, the prefix `<app>:<store>:` unless given. */
export function partitionPrefix(prefix: string | undefined, appId: string, store: string, partition: number): string {
  return `${prefix ?? `${appId}:${store}:`}${partition}:`;
}

/** JSON values of `prefix + id` for many ids, in chunked MGETs; ids without a key are left out. */
export async function mgetJson<V>(redis: Redis, prefix: string, ids: readonly string[]): Promise<Map<string, V>> {
  const out = new Map<string, V>();
  for (let i = 0; i < ids.length; i += MGET_CHUNK) {
    const chunk = ids.slice(i, i + MGET_CHUNK);
    const values = await redis.mget(...chunk.map((id) => prefix + id));
    for (let j = 0; j < chunk.length; j++) if (values[j] !== null) out.set(chunk[j]!, JSON.parse(values[j]!) as V);
  }
  return out;
}

/** Runs a pipeline; rejects with the first command's error (ioredis resolves with errors inside). */
export async function execPipeline(p: ChainableCommander): Promise<void> {
  const res = await p.exec();
  const failed = res?.find(([err]) => err);
  if (failed) throw failed[0];
}

/** Deletes every key under `prefix` (SCAN, so no single command blocks Redis for long). */
/**
 * The end of a windowed store's flush: the stream time (when it moved) kept beside the windows, so
 * a store read back without its changelog knows it too, then the pipeline sent if it holds anything.
 */
export async function execFlush(p: ChainableCommander, commands: number, prefix: string, streamTime: string | null): Promise<void> {
  if (streamTime !== null) {
    p.set(`${prefix}__streamTime`, streamTime);
    commands++;
  }
  if (commands) await execPipeline(p);
}

/** How many changelog records a restore writes per pipeline. */
const RESTORE_CHUNK = 10_000;

/**
 * A restore's writes to Redis, sent every RESTORE_CHUNK records (`counted()` after each says when), so a
 * long changelog never queues all its commands in one pipeline; `end()` sends the rest.
 */
export class RestorePipeline {
  private p: ChainableCommander;
  private n = 0;

  constructor(private readonly redis: Redis) {
    this.p = redis.pipeline();
  }

  /** The pipeline the current record's commands go to. */
  get commands(): ChainableCommander {
    return this.p;
  }

  /** Counts a record; true when the pipeline holds a chunk and is to be sent (no await per record). */
  counted(): boolean {
    return ++this.n % RESTORE_CHUNK === 0;
  }

  async send(): Promise<void> {
    await execPipeline(this.p);
    this.p = this.redis.pipeline();
  }

  end(): Promise<void> {
    return execPipeline(this.p);
  }
}

export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

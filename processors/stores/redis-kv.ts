/**
 * Key-value store on Redis (ioredis): values live under `<prefix><key JSON>` (prefix
 * `<app>:<store>:<partition>:` by default). Writes are buffered and written in one pipeline at
 * flush (the end of a batch), together with the store's changelog records, which stay the source
 * of truth: a store is rebuilt from its changelog when its task starts, as the memory store is.
 */
import type { Redis } from 'ioredis';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { KeyValueStore } from '../types.js';
import { changelogTopic, logChanges, readChangelog } from './changelog.js';
import { deleteKeysWithPrefix, execPipeline, mgetJson, redisClient } from './redis-util.js';

export interface RedisStoreOptions {
  /** An ioredis client to use (not closed by the store), or a URL (default redis://127.0.0.1:6379). */
  redis?: Redis;
  url?: string;
  prefix?: string;
}

export class RedisKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly pending = new Map<string, V | null>();
  readonly topic: string;
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly ownsClient: boolean;

  private constructor(
    readonly name: string,
    private readonly ctx: TaskContext,
    opts: RedisStoreOptions,
  ) {
    this.topic = changelogTopic(ctx.appId, name);
    this.prefix = opts.prefix ?? `${ctx.appId}:${name}:${ctx.partition}:`;
    ({ redis: this.redis, owned: this.ownsClient } = redisClient(opts));
  }

  /** Opens the store, rebuilding Redis's contents from the changelog. */
  static async open<K, V>(name: string, ctx: TaskContext, opts: RedisStoreOptions = {}): Promise<RedisKeyValueStore<K, V>> {
    const store = new RedisKeyValueStore<K, V>(name, ctx, opts);
    const entries = await readChangelog(ctx, store.topic);
    await deleteKeysWithPrefix(store.redis, store.prefix);
    const p = store.redis.pipeline();
    for (const [k, v] of entries) if (v !== null) p.set(store.prefix + k, v.toString('utf8'));
    await execPipeline(p);
    return store;
  }

  async get(key: K): Promise<V | undefined> {
    const k = JSON.stringify(key);
    if (this.pending.has(k)) return this.pending.get(k) ?? undefined;
    const v = await this.redis.get(this.prefix + k);
    return v === null ? undefined : (JSON.parse(v) as V);
  }

  /**
   * The values of many keys in one round trip (MGET, in chunks), pending writes included: what an
   * operator reads at the start of a batch instead of one GET per record. Keyed by JSON text.
   */
  async getMany(keys: Iterable<K>): Promise<Map<string, V | undefined>> {
    const out = new Map<string, V | undefined>();
    const missing: string[] = [];
    for (const key of keys) {
      const k = JSON.stringify(key);
      if (out.has(k)) continue;
      if (this.pending.has(k)) out.set(k, this.pending.get(k) ?? undefined);
      else {
        out.set(k, undefined);
        missing.push(k);
      }
    }
    for (const [k, v] of await mgetJson<V>(this.redis, this.prefix, missing)) out.set(k, v);
    return out;
  }

  put(key: K, value: V): void {
    this.pending.set(JSON.stringify(key), value);
  }

  delete(key: K): void {
    this.pending.set(JSON.stringify(key), null);
  }

  async *all(): AsyncIterable<[K, V]> {
    const seen = new Set<string>();
    for (const [k, v] of this.pending) {
      seen.add(k);
      if (v !== null) yield [JSON.parse(k) as K, v];
    }
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      const fresh = keys.filter((full) => !seen.has(full.slice(this.prefix.length)));
      const values = fresh.length ? await this.redis.mget(...fresh) : [];
      for (let i = 0; i < fresh.length; i++) if (values[i] !== null) yield [JSON.parse(fresh[i]!.slice(this.prefix.length)) as K, JSON.parse(values[i]!) as V];
      cursor = next;
    } while (cursor !== '0');
  }

  /** Writes the buffered changes to Redis (one pipeline) and to the changelog. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const p = this.redis.pipeline();
    const changes: Array<[string, string | null]> = [];
    for (const [k, v] of this.pending) {
      if (v === null) p.del(this.prefix + k);
      else p.set(this.prefix + k, JSON.stringify(v));
      changes.push([k, v === null ? null : JSON.stringify(v)]);
    }
    this.pending.clear();
    await execPipeline(p);
    logChanges(this.ctx, this.topic, changes);
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit();
  }
}

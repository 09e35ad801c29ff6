/**
 * Key-value store on Redis (ioredis): a value lives under `<prefix><partition>:<key text>` (prefix
 * `<app>:<store>:` unless given), written with the store's value serde. The changelog stays the
 * source of truth: when a task starts, its state manager clears the task's keys and rebuilds them
 * from the changelog partition.
 *
 * A write-back cache in front of Redis: an operator load()s the keys of a batch (one MGET), reads
 * and writes them in memory, and flush() writes the changes in one pipeline and to the changelog.
 */
import type { Redis } from 'ioredis';
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Materialized } from './materialized.js';
import { LatestValues } from './latest-values.js';
import type { KeyValueAccess } from './memory-kv.js';
import { restoreNow } from './memory-kv.js';
import { deleteKeysWithPrefix, execPipeline, partitionPrefix, redisClient, RestorePipeline } from './redis-util.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import { StoreBase, type ScannedEntry } from './store-base.js';

/** Keys per MGET: one round trip for most batches, without stalling Redis. */
const MGET_CHUNK = 10_000;
/** Commands per restore pipeline: bounded memory in ioredis's queue for a large changelog. */
const ABSENT = Symbol('absent');

export type RedisStoreOptions = Pick<Materialized, 'redis' | 'url' | 'prefix'>;

export class RedisKeyValueStore<K, V> extends StoreBase<K, V> implements KeyValueAccess<K, V> {
  readonly needsLoad = true;
  readonly keyText: (key: K) => string;
  /** The task's keys: `<prefix><partition>:`. */
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly owned: boolean;
  /** Values read from Redis this batch (ABSENT: no key), and values written this batch. */
  private readonly cache = new Map<string, { key: K | undefined; value: V | typeof ABSENT }>();
  private readonly dirty = new Set<string>();

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V> = {}) {
    super(ctx, name, { ...m, backend: 'redis' });
    this.keyText = this.keys.text;
    this.prefix = partitionPrefix(m.prefix, ctx.appId, name, ctx.partition);
    ({ redis: this.redis, owned: this.owned } = redisClient(m));
  }

  static create<K, V>(ctx: TaskContext, name: string, m: Materialized<K, V> = {}): RedisKeyValueStore<K, V> {
    return new RedisKeyValueStore<K, V>(ctx, name, m);
  }

  /** The older form: creates the store and resolves once it is restored. */
  static async open<K, V>(name: string, ctx: TaskContext, opts: Materialized<K, V> = {}): Promise<RedisKeyValueStore<K, V>> {
    const s = new RedisKeyValueStore<K, V>(ctx, name, opts);
    await restoreNow(ctx);
    return s;
  }

  async load(keyTexts: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const t of keyTexts) if (!this.cache.has(t)) {
      this.cache.set(t, { key: undefined, value: ABSENT });
      missing.push(t);
    }
    for (let i = 0; i < missing.length; i += MGET_CHUNK) {
      const chunk = missing.slice(i, i + MGET_CHUNK);
      const values = await this.redis.mgetBuffer(...chunk.map((t) => this.prefix + t));
      for (let j = 0; j < chunk.length; j++) {
        const v = values[j];
        if (v !== null && v !== undefined) this.cache.get(chunk[j]!)!.value = this.values.decode(v);
      }
    }
  }

  getText(keyText: string): V | undefined {
    const c = this.cache.get(keyText);
    if (c === undefined) throw new Error(`internal: store "${this.name}" read key ${keyText} without loading it first`);
    return c.value === ABSENT ? undefined : c.value;
  }

  /** The value of `key`: from this batch's cache, else one GET. */
  get(key: K): V | undefined | Promise<V | undefined> {
    const t = this.keyText(key);
    const c = this.cache.get(t);
    if (c !== undefined) return c.value === ABSENT ? undefined : c.value;
    return this.redis.getBuffer(this.prefix + t).then((b) => (b === null ? undefined : this.values.decode(b)));
  }

  put(key: K, value: V): void {
    this.putText(this.keyText(key), key, value);
  }

  putText(keyText: string, key: K, value: V): void {
    if (value === null || value === undefined) return this.deleteText(keyText);
    this.cache.set(keyText, { key, value });
    this.dirty.add(keyText);
  }

  delete(key: K): void {
    this.deleteText(this.keyText(key));
  }

  deleteText(keyText: string): void {
    this.cache.set(keyText, { key: undefined, value: ABSENT });
    this.dirty.add(keyText);
  }

  async *all(): AsyncIterable<[K, V]> {
    const seen = new Set<string>();
    for (const t of this.dirty) {
      seen.add(t);
      const c = this.cache.get(t)!;
      if (c.value !== ABSENT) yield [c.key ?? this.keys.fromText(t), c.value];
    }
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      const fresh = keys.filter((full) => !seen.has(full.slice(this.prefix.length)));
      const values = fresh.length ? await this.redis.mgetBuffer(...fresh) : [];
      for (let i = 0; i < fresh.length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) yield [this.keys.fromText(fresh[i]!.slice(this.prefix.length)), this.values.decode(v)];
      }
      cursor = next;
    } while (cursor !== '0');
  }

  protected queryKind(): StoreKind {
    return 'key-value';
  }

  protected async scan(): Promise<Array<ScannedEntry<K, V>>> {
    const out: Array<ScannedEntry<K, V>> = [];
    for await (const [key, value] of this.all()) out.push({ keyText: this.keyText(key), key, value });
    return out;
  }

  entries(): Array<[unknown, unknown]> {
    return [];
  }

  /** Writes this batch's changes to Redis (one pipeline) and to the changelog; the cache is emptied. */
  async flush(): Promise<void> {
    if (this.dirty.size > 0) {
      const p = this.redis.pipeline();
      for (const t of this.dirty) {
        const c = this.cache.get(t)!;
        const keyBytes = this.keys.bytes(t);
        if (c.value === ABSENT) {
          p.del(this.prefix + t);
          this.log(keyBytes, null);
        } else {
          const v = this.values.encode(c.value);
          p.set(this.prefix + t, v);
          this.log(keyBytes, v);
        }
      }
      this.dirty.clear();
      await execPipeline(p);
      this.sendLog();
    }
    this.cache.clear();
  }

  protected async beginRestore(): Promise<void> {
    this.cache.clear();
    this.dirty.clear();
    await deleteKeysWithPrefix(this.redis, this.prefix);
  }

  protected async restoreBatch(records: RecordCursor): Promise<void> {
    // The latest record per key of this run (one read: memory stays bounded however long the changelog), written in pipelines of RESTORE_CHUNK.
    const latest = new LatestValues(this.keys.textOf);
    latest.add(records);
    const restore = new RestorePipeline(this.redis);
    const commands: Array<[string, Buffer | null]> = [...Array.from(latest.deleted(), (t): [string, null] => [t, null]), ...latest.live()];
    for (const [t, v] of commands) {
      const p = restore.commands;
      if (v === null) p.del(this.prefix + t);
      else p.set(this.prefix + t, v);
      if (restore.counted()) await restore.send();
    }
    await restore.end();
  }

  protected override async release(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}

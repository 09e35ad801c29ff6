/**
 * Window stores (values per key and window start) and session stores (values per key and
 * session [start, end]), in memory and on Redis. Like the key-value stores, writes are buffered,
 * written at flush() together with the compacted changelog `<app>-<name>-changelog`, and a store
 * is rebuilt from its changelog when its task starts.
 *
 * Redis layout (prefix `<app>:<name>:<partition>:`): one string per entry under
 * `<prefix><entry id>`, plus a sorted set `<prefix>__index` of entry ids scored by window start
 * (window stores) or session end (session stores), for range reads and expiry.
 */
import type { Redis } from 'ioredis';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { SessionStore, Window, WindowStore } from '../types.js';
import { changelogTopic, logChanges, readChangelog } from './changelog.js';
import { execPipeline, redisClient } from './redis-util.js';

/** Where entries live: a Map, or Redis. */
interface Backend<V> {
  load(entries: Array<[string, string]>, score: (id: string) => number): Promise<void>;
  get(id: string): Promise<V | undefined> | V | undefined;
  /** Entries whose score lies in [min, max], in score order. */
  range(min: number, max: number): Promise<Array<[string, V]>> | Array<[string, V]>;
  write(changes: Array<[string, V | null]>, score: (id: string) => number): Promise<void>;
  close(): Promise<void>;
}

class MapBackend<V> implements Backend<V> {
  private readonly map = new Map<string, { score: number; value: V }>();
  async load(entries: Array<[string, string]>, score: (id: string) => number): Promise<void> {
    for (const [id, v] of entries) this.map.set(id, { score: score(id), value: JSON.parse(v) as V });
  }
  get(id: string): V | undefined {
    return this.map.get(id)?.value;
  }
  range(min: number, max: number): Array<[string, V]> {
    return [...this.map]
      .filter(([, e]) => e.score >= min && e.score <= max)
      .sort((a, b) => a[1].score - b[1].score || (a[0] < b[0] ? -1 : 1))
      .map(([id, e]) => [id, e.value]);
  }
  async write(changes: Array<[string, V | null]>, score: (id: string) => number): Promise<void> {
    for (const [id, v] of changes) {
      if (v === null) this.map.delete(id);
      else this.map.set(id, { score: score(id), value: v });
    }
  }
  async close(): Promise<void> {}
}

class RedisBackend<V> implements Backend<V> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly owns: boolean,
  ) {}
  private get index(): string {
    return `${this.prefix}__index`;
  }
  async load(entries: Array<[string, string]>, score: (id: string) => number): Promise<void> {
    const old = await this.redis.zrange(this.index, 0, -1);
    const p = this.redis.pipeline();
    for (const id of old) p.del(this.prefix + id);
    p.del(this.index);
    for (const [id, v] of entries) {
      p.set(this.prefix + id, v);
      p.zadd(this.index, score(id), id);
    }
    await p.exec();
  }
  async get(id: string): Promise<V | undefined> {
    const v = await this.redis.get(this.prefix + id);
    return v === null ? undefined : (JSON.parse(v) as V);
  }
  async range(min: number, max: number): Promise<Array<[string, V]>> {
    const bound = (x: number) => (x === -Infinity ? '-inf' : x === Infinity ? '+inf' : x);
    const ids = await this.redis.zrangebyscore(this.index, bound(min), bound(max));
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map((id) => this.prefix + id));
    return ids.flatMap((id, i) => (values[i] === null ? [] : [[id, JSON.parse(values[i]!) as V] as [string, V]]));
  }
  async write(changes: Array<[string, V | null]>, score: (id: string) => number): Promise<void> {
    const p = this.redis.pipeline();
    for (const [id, v] of changes) {
      if (v === null) {
        p.del(this.prefix + id);
        p.zrem(this.index, id);
      } else {
        p.set(this.prefix + id, JSON.stringify(v));
        p.zadd(this.index, score(id), id);
      }
    }
    await execPipeline(p);
  }
  async close(): Promise<void> {
    if (this.owns) await this.redis.quit();
  }
}

export interface StoreBackendOptions {
  /** 'memory' (default) or Redis through ioredis. */
  backend?: 'memory' | 'redis';
  redis?: Redis;
  url?: string;
  prefix?: string;
}

function backendFor<V>(ctx: TaskContext, name: string, opts: StoreBackendOptions): Backend<V> {
  if (opts.backend !== 'redis') return new MapBackend<V>();
  const prefix = opts.prefix ?? `${ctx.appId}:${name}:${ctx.partition}:`;
  const { redis, owned } = redisClient(opts);
  return new RedisBackend<V>(redis, prefix, owned);
}

/** The buffering and changelog protocol both stores share. */
abstract class LoggedStore<V> {
  protected readonly pending = new Map<string, V | null>();
  readonly topic: string;

  protected constructor(
    readonly name: string,
    protected readonly ctx: TaskContext,
    protected readonly backend: Backend<V>,
  ) {
    this.topic = changelogTopic(ctx.appId, name);
  }

  protected abstract score(id: string): number;

  protected async restore(): Promise<void> {
    const entries: Array<[string, string]> = [];
    for (const [k, v] of await readChangelog(this.ctx, this.topic)) if (v !== null) entries.push([k, v.toString('utf8')]);
    await this.backend.load(entries, (id) => this.score(id));
  }

  protected async read(id: string): Promise<V | undefined> {
    if (this.pending.has(id)) return this.pending.get(id) ?? undefined;
    return this.backend.get(id);
  }

  /** Backend entries in [min, max] by score, overlaid with the pending writes. */
  protected async scan(min: number, max: number): Promise<Array<[string, V]>> {
    const merged = new Map(await this.backend.range(min, max));
    for (const [id, v] of this.pending) {
      const s = this.score(id);
      if (s < min || s > max) continue;
      if (v === null) merged.delete(id);
      else merged.set(id, v);
    }
    return [...merged].sort((a, b) => this.score(a[0]) - this.score(b[0]) || (a[0] < b[0] ? -1 : 1));
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const changes = [...this.pending];
    this.pending.clear();
    await this.backend.write(changes, (id) => this.score(id));
    logChanges(this.ctx, this.topic, changes.map(([id, v]) => [id, v === null ? null : JSON.stringify(v)]));
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

export class LoggedWindowStore<K, V> extends LoggedStore<V> implements WindowStore<K, V> {
  static async open<K, V>(name: string, ctx: TaskContext, opts: StoreBackendOptions = {}): Promise<LoggedWindowStore<K, V>> {
    const s = new LoggedWindowStore<K, V>(name, ctx, backendFor<V>(ctx, name, opts));
    await s.restore();
    return s;
  }

  private static id(keyJson: string, start: number): string {
    return JSON.stringify([start, keyJson]);
  }

  protected score(id: string): number {
    return (JSON.parse(id) as [number, string])[0];
  }

  get(key: K, windowStart: number): Promise<V | undefined> {
    return this.read(LoggedWindowStore.id(JSON.stringify(key), windowStart));
  }

  put(key: K, windowStart: number, value: V | null): void {
    this.pending.set(LoggedWindowStore.id(JSON.stringify(key), windowStart), value);
  }

  async *fetch(key: K, fromStart: number, toStart: number): AsyncIterable<[number, V]> {
    const keyJson = JSON.stringify(key);
    for (const [id, v] of await this.scan(fromStart, toStart)) {
      const [start, k] = JSON.parse(id) as [number, string];
      if (k === keyJson) yield [start, v];
    }
  }

  async *fetchAll(fromStart: number, toStart: number): AsyncIterable<[K, number, V]> {
    for (const [id, v] of await this.scan(fromStart, toStart)) {
      const [start, k] = JSON.parse(id) as [number, string];
      yield [JSON.parse(k) as K, start, v];
    }
  }

  /** Drops windows that start before minStart (retention); logged as tombstones at the next flush. */
  async expire(minStart: number): Promise<void> {
    for (const [id] of await this.scan(-Infinity, minStart - 1)) this.pending.set(id, null);
  }
}

export class LoggedSessionStore<K, V> extends LoggedStore<V> implements SessionStore<K, V> {
  static async open<K, V>(name: string, ctx: TaskContext, opts: StoreBackendOptions = {}): Promise<LoggedSessionStore<K, V>> {
    const s = new LoggedSessionStore<K, V>(name, ctx, backendFor<V>(ctx, name, opts));
    await s.restore();
    return s;
  }

  private static id(keyJson: string, w: Window): string {
    return JSON.stringify([w.end, w.start, keyJson]);
  }

  protected score(id: string): number {
    return (JSON.parse(id) as [number, number, string])[0];
  }

  /** Sessions of `key` with end >= earliestEnd and start <= latestStart, by end. */
  async *findSessions(key: K, earliestEnd: number, latestStart: number): AsyncIterable<[Window, V]> {
    const keyJson = JSON.stringify(key);
    for (const [id, v] of await this.scan(earliestEnd, Infinity)) {
      const [end, start, k] = JSON.parse(id) as [number, number, string];
      if (k === keyJson && start <= latestStart) yield [{ start, end }, v];
    }
  }

  put(key: K, window: Window, value: V): void {
    this.pending.set(LoggedSessionStore.id(JSON.stringify(key), window), value);
  }

  remove(key: K, window: Window): void {
    this.pending.set(LoggedSessionStore.id(JSON.stringify(key), window), null);
  }

  /** Drops sessions that ended before minEnd. */
  async expire(minEnd: number): Promise<void> {
    for (const [id] of await this.scan(-Infinity, minEnd - 1)) this.pending.set(id, null);
  }
}

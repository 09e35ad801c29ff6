/**
 * Window store on Redis (ioredis). Layout under the task's prefix `<prefix><partition>:` (prefix
 * `<app>:<store>:` unless given):
 * - `w:<key text>`: a hash per key, field = window start, value = 8-byte timestamp + value bytes;
 * - `__index`: a sorted set of `[<key text>,<start>]` scored by start (range reads, expiry);
 * - `__streamTime`: the operator's stream time.
 * The changelog stays the source of truth: a task's keys are cleared and rebuilt from it when the
 * task starts. See window-store.ts for the contract.
 */
import type { Redis } from 'ioredis';
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Materialized } from './materialized.js';
import { restoreNow } from './memory-kv.js';
import { deleteKeysWithPrefix, execFlush, execPipeline, partitionPrefix, redisClient, RestorePipeline } from './redis-util.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import type { ScannedEntry } from './store-base.js';
import { TimedStoreBase } from './timed-store-base.js';
import { splitTimestamp, windowChangelogKey, withTimestamp } from './window-codec.js';
import type { WindowAccess, WindowEntry, WindowStoreSpec } from './window-store.js';

interface Entry<K, V> extends WindowEntry<K, V> {
  dirty: boolean;
}

const score = (x: number) => (x === -Infinity ? '-inf' : x === Infinity ? '+inf' : String(x));

export class RedisWindowStore<K, V> extends TimedStoreBase<K, V> implements WindowAccess<K, V> {
  readonly needsLoad = true;
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  readonly prefix: string;
  private readonly size: number;
  private readonly redis: Redis;
  private readonly owned: boolean;
  /** This batch's windows of loaded keys: key text → start → entry. */
  private readonly cache = new Map<string, Map<number, Entry<K, V>>>();
  private dirty: Array<Entry<K, V>> = [];

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: WindowStoreSpec) {
    super(ctx, name, { ...m, backend: 'redis' });
    this.keyText = this.keys.text;
    this.size = spec.size;
    this.retentionMs = spec.retentionMs;
    this.prefix = partitionPrefix(m.prefix, ctx.appId, name, ctx.partition);
    ({ redis: this.redis, owned: this.owned } = redisClient(m));
  }

  static async open<K, V>(name: string, ctx: TaskContext, m: Materialized<K, V>, spec: WindowStoreSpec): Promise<RedisWindowStore<K, V>> {
    const s = new RedisWindowStore<K, V>(ctx, name, m, spec);
    await restoreNow(ctx);
    return s;
  }

  private get index(): string {
    return `${this.prefix}__index`;
  }

  windowsOf(keyText: string, from: number, to: number): Array<WindowEntry<K, V>> {
    const out: Array<WindowEntry<K, V>> = [];
    for (const e of this.windowsOf0(keyText).values()) if (e.start >= from && e.start <= to && e.value !== undefined) out.push(e);
    return out.sort((a, b) => a.start - b.start);
  }

  async load(keyTexts: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const t of keyTexts) if (!this.cache.has(t)) missing.push(t);
    if (missing.length === 0) return;
    const p = this.redis.pipeline();
    for (const t of missing) p.hgetallBuffer(`${this.prefix}w:${t}`);
    const res = (await p.exec()) ?? [];
    for (let i = 0; i < missing.length; i++) {
      const [err, fields] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      const t = missing[i]!;
      const windows = new Map<number, Entry<K, V>>();
      const key = this.keys.fromText(t);
      for (const [field, b] of Object.entries((fields ?? {}) as Record<string, Buffer>)) {
        const start = Number(field);
        const { ts, value } = splitTimestamp(b);
        windows.set(start, { keyText: t, start, key, value: this.values.decode(value), ts, dirty: false });
      }
      this.cache.set(t, windows);
    }
  }

  private windowsOf0(keyText: string): Map<number, Entry<K, V>> {
    const w = this.cache.get(keyText);
    if (w === undefined) throw new Error(`internal: store "${this.name}" used key ${keyText} without loading it first`);
    return w;
  }

  entry(keyText: string, key: K, start: number): WindowEntry<K, V> {
    const windows = this.windowsOf0(keyText);
    let e = windows.get(start);
    if (e === undefined) windows.set(start, (e = { keyText, start, key, value: undefined, ts: -Infinity, dirty: false }));
    return e;
  }

  find(keyText: string, start: number): WindowEntry<K, V> | undefined {
    return this.windowsOf0(keyText).get(start);
  }

  changed(w: WindowEntry<K, V>): void {
    const e = w as Entry<K, V>;
    // A put after a delete of the same window in this batch supersedes the delete.
    if (this.pendingDeletes.length) this.pendingDeletes = this.pendingDeletes.filter(([t, s]) => !(t === e.keyText && s === e.start));
    if (e.start > this.observed) this.observed = e.start;
    if (!e.dirty) {
      e.dirty = true;
      this.dirty.push(e);
    }
  }

  /** Windows with start in [from, to] (stored ones and this batch's), by start then key text. */
  async range(from: number, to: number): Promise<Array<WindowEntry<K, V>>> {
    const members = await this.redis.zrangebyscore(this.index, score(from), score(to));
    const out = new Map<string, WindowEntry<K, V>>();
    const fetch: Array<{ id: string; keyText: string; start: number }> = [];
    for (const id of members) {
      const [keyText, start] = JSON.parse(id) as [string, number];
      const cached = this.cache.get(keyText)?.get(start);
      if (cached) {
        if (cached.value !== undefined) out.set(id, cached);
      } else fetch.push({ id, keyText, start });
    }
    if (fetch.length) {
      const p = this.redis.pipeline();
      for (const f of fetch) p.hgetBuffer(`${this.prefix}w:${f.keyText}`, String(f.start));
      const res = (await p.exec()) ?? [];
      fetch.forEach((f, i) => {
        const b = res[i]?.[1] as Buffer | null | undefined;
        if (!b) return;
        const { ts, value } = splitTimestamp(b);
        out.set(f.id, { keyText: f.keyText, start: f.start, key: this.keys.fromText(f.keyText), value: this.values.decode(value), ts });
      });
    }
    for (const e of this.dirty) if (e.value !== undefined && e.start >= from && e.start <= to) out.set(windowChangelogKey(e.keyText, e.start), e);
    return [...out.values()].sort((a, b) => a.start - b.start || (a.keyText < b.keyText ? -1 : a.keyText > b.keyText ? 1 : 0));
  }

  // The public WindowStore API (reads go to Redis when a key is not loaded).

  async get(key: K, windowStart: number): Promise<V | undefined> {
    const t = this.keyText(key);
    await this.load([t]);
    return this.find(t, windowStart)?.value;
  }

  put(key: K, windowStart: number, value: V | null, timestamp = windowStart): void {
    const t = this.keyText(key);
    if (!this.cache.has(t)) this.cache.set(t, new Map()); // a blind write: entries not read stay as they are in Redis
    if (value === null) {
      this.pendingDeletes.push([t, windowStart]);
      this.cache.get(t)!.delete(windowStart);
      return;
    }
    if (windowStart <= this.observed - this.retentionMs) return;
    const e = this.entry(t, key, windowStart);
    e.value = value;
    e.ts = Math.max(e.ts, timestamp);
    this.changed(e);
  }

  private pendingDeletes: Array<[string, number]> = [];

  async *fetch(key: K, fromStart: number, toStart: number): AsyncIterable<[number, V]> {
    const t = this.keyText(key);
    for (const e of await this.range(fromStart, toStart)) if (e.keyText === t) yield [e.start, e.value as V];
  }

  async *fetchAll(fromStart: number, toStart: number): AsyncIterable<[K, number, V]> {
    for (const e of await this.range(fromStart, toStart)) yield [e.key, e.start, e.value as V];
  }

  async expire(minStart: number): Promise<void> {
    for (const e of await this.range(-Infinity, minStart - 1)) this.put(e.key, e.start, null);
  }

  protected queryKind(): StoreKind {
    return 'window';
  }

  protected async scan(): Promise<Array<ScannedEntry<K, V>>> {
    return (await this.range(-Infinity, Infinity)).map((e) => ({ keyText: e.keyText, key: e.key, value: e.value as V, window: { start: e.start, end: e.start + this.size } }));
  }

  entries(): Array<[unknown, unknown]> {
    return [];
  }

  async flush(): Promise<void> {
    const p = this.redis.pipeline();
    let n = 0;
    const limit = this.observed - this.retentionMs;
    const expired = Number.isFinite(limit) ? await this.redis.zrangebyscore(this.index, '-inf', score(limit)) : [];
    const gone = new Set<string>();
    const drop = (keyText: string, start: number) => {
      const id = windowChangelogKey(keyText, start);
      if (gone.has(id)) return;
      gone.add(id);
      p.hdel(`${this.prefix}w:${keyText}`, String(start));
      p.zrem(this.index, id);
      this.log(id, null);
      n++;
    };
    for (const id of expired) {
      const [keyText, start] = JSON.parse(id) as [string, number];
      drop(keyText, start);
    }
    for (const [t, start] of this.pendingDeletes) drop(t, start);
    this.pendingDeletes = [];
    for (const e of this.dirty) {
      e.dirty = false;
      if (e.value === undefined || e.start <= limit) continue;
      const id = windowChangelogKey(e.keyText, e.start);
      if (gone.has(id)) continue;
      const bytes = withTimestamp(e.ts, this.values.encode(e.value));
      p.hset(`${this.prefix}w:${e.keyText}`, String(e.start), bytes);
      p.zadd(this.index, e.start, id);
      this.log(id, bytes);
      n++;
    }
    this.dirty = [];
    await execFlush(p, n, this.prefix, this.logStreamTime());
    this.cache.clear();
    this.sendLog();
  }

  protected async beginRestore(): Promise<void> {
    this.cache.clear();
    this.dirty = [];
    this.pendingDeletes = [];
    this.resetClocks();
    await deleteKeysWithPrefix(this.redis, this.prefix);
  }

  protected async restoreBatch(records: RecordCursor): Promise<void> {
    const restore = new RestorePipeline(this.redis);
    while (records.next()) {
      const p = restore.commands;
      const key = this.restoredKey<[string, number]>(records);
      if (key === null) {
        if (records.keyLength >= 0 && records.valueLength >= 0) p.set(`${this.prefix}__streamTime`, String(this.streamTimeValue));
        continue;
      }
      const k = key.text;
      const [keyText, start] = key.parts;
      if (records.valueLength < 0) {
        p.hdel(`${this.prefix}w:${keyText}`, String(start));
        p.zrem(this.index, k);
      } else {
        p.hset(`${this.prefix}w:${keyText}`, String(start), records.value()!);
        p.zadd(this.index, start, k);
        if (start > this.observed) this.observed = start;
      }
      if (restore.counted()) await restore.send();
    }
    await restore.end();
  }

  protected override async endRestore(): Promise<void> {
    this.forgetRestoredKeys();
    // Windows that expired before the restart are dropped now (tombstones at the first flush).
    const limit = this.observed - this.retentionMs;
    if (!Number.isFinite(limit)) return;
    const expired = await this.redis.zrangebyscore(this.index, '-inf', score(limit));
    if (expired.length === 0) return;
    const p = this.redis.pipeline();
    for (const id of expired) {
      const [keyText, start] = JSON.parse(id) as [string, number];
      p.hdel(`${this.prefix}w:${keyText}`, String(start));
      p.zrem(this.index, id);
      this.log(id, null);
    }
    await execPipeline(p);
  }

  protected override async release(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}

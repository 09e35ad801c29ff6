/**
 * Session store on Redis (ioredis). Layout under the task's prefix `<prefix><partition>:`:
 * - `s:<key text>`: a hash per key, field `<start>,<end>` = the value serde's bytes;
 * - `__index`: a sorted set of `[<key text>,<start>,<end>]` scored by end (range reads, expiry);
 * - `__streamTime`: the operator's stream time.
 * The changelog stays the source of truth: a task's keys are rebuilt from it when the task starts.
 */
import type { Redis } from 'ioredis';
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Window } from '../types.js';
import type { Materialized } from './materialized.js';
import { restoreNow } from './memory-kv.js';
import { deleteKeysWithPrefix, execFlush, execPipeline, partitionPrefix, redisClient, RestorePipeline } from './redis-util.js';
import { sessionOrder, type SessionAccess, type SessionEntry } from './session-store.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import type { ScannedEntry } from './store-base.js';
import { TimedStoreBase } from './timed-store-base.js';
import { sessionChangelogKey } from './window-codec.js';

interface Entry<K, V> extends SessionEntry<K, V> {
  dirty: boolean;
}

const score = (x: number) => (x === -Infinity ? '-inf' : x === Infinity ? '+inf' : String(x));

export class RedisSessionStore<K, V> extends TimedStoreBase<K, V> implements SessionAccess<K, V> {
  readonly needsLoad = true;
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly owned: boolean;
  private readonly cache = new Map<string, Array<Entry<K, V>>>();
  private dirty: Array<Entry<K, V>> = [];
  private removed: Array<{ keyText: string; start: number; end: number }> = [];

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: { retentionMs: number }) {
    super(ctx, name, { ...m, backend: 'redis' });
    this.keyText = this.keys.text;
    this.retentionMs = spec.retentionMs;
    this.prefix = partitionPrefix(m.prefix, ctx.appId, name, ctx.partition);
    ({ redis: this.redis, owned: this.owned } = redisClient(m));
  }

  static async open<K, V>(name: string, ctx: TaskContext, m: Materialized<K, V>, spec: { retentionMs: number }): Promise<RedisSessionStore<K, V>> {
    const s = new RedisSessionStore<K, V>(ctx, name, m, spec);
    await restoreNow(ctx);
    return s;
  }

  private get index(): string {
    return `${this.prefix}__index`;
  }

  holdFrom = Infinity;

  async load(keyTexts: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const t of keyTexts) if (!this.cache.has(t)) missing.push(t);
    if (missing.length === 0) return;
    const p = this.redis.pipeline();
    for (const t of missing) p.hgetallBuffer(`${this.prefix}s:${t}`);
    const res = (await p.exec()) ?? [];
    for (let i = 0; i < missing.length; i++) {
      const [err, fields] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      const t = missing[i]!;
      const key = this.keys.fromText(t);
      const list: Array<Entry<K, V>> = [];
      for (const [field, b] of Object.entries((fields ?? {}) as Record<string, Buffer>)) {
        const [start, end] = field.split(',').map(Number) as [number, number];
        list.push({ keyText: t, key, start, end, value: this.values.decode(b), dirty: false });
      }
      this.cache.set(t, list);
    }
  }

  sessions(keyText: string): ReadonlyArray<SessionEntry<K, V>> {
    const list = this.cache.get(keyText);
    if (list === undefined) throw new Error(`internal: store "${this.name}" used key ${keyText} without loading it first`);
    return list;
  }

  putSession(keyText: string, key: K, start: number, end: number, value: V): SessionEntry<K, V> {
    const list = this.sessions(keyText) as Array<Entry<K, V>>;
    // A put after a remove of the same session in this batch supersedes the remove.
    if (this.removed.length) this.removed = this.removed.filter((r) => !(r.keyText === keyText && r.start === start && r.end === end));
    let e = list.find((s) => s.start === start && s.end === end);
    if (!e) list.push((e = { keyText, key, start, end, value, dirty: false }));
    e.value = value;
    if (end > this.observed) this.observed = end;
    if (!e.dirty) {
      e.dirty = true;
      this.dirty.push(e);
    }
    return e;
  }

  removeSession(s: SessionEntry<K, V>): void {
    const e = s as Entry<K, V>;
    const list = this.cache.get(e.keyText);
    const i = list ? list.indexOf(e) : -1;
    if (i >= 0) list!.splice(i, 1);
    e.dirty = false;
    this.removed.push({ keyText: e.keyText, start: e.start, end: e.end });
  }

  async range(fromEnd: number, toEnd: number): Promise<Array<SessionEntry<K, V>>> {
    const members = await this.redis.zrangebyscore(this.index, score(fromEnd), score(toEnd));
    const out = new Map<string, SessionEntry<K, V>>();
    const gone = new Set(this.removed.map((r) => sessionChangelogKey(r.keyText, r.start, r.end)));
    const fetch: Array<{ id: string; keyText: string; start: number; end: number }> = [];
    for (const id of members) {
      if (gone.has(id)) continue;
      const [keyText, start, end] = JSON.parse(id) as [string, number, number];
      const cached = this.cache.get(keyText)?.find((s) => s.start === start && s.end === end);
      if (cached) out.set(id, cached);
      else if (!this.cache.has(keyText)) fetch.push({ id, keyText, start, end });
    }
    if (fetch.length) {
      const p = this.redis.pipeline();
      for (const f of fetch) p.hgetBuffer(`${this.prefix}s:${f.keyText}`, `${f.start},${f.end}`);
      const res = (await p.exec()) ?? [];
      fetch.forEach((f, i) => {
        const b = res[i]?.[1] as Buffer | null | undefined;
        if (b) out.set(f.id, { keyText: f.keyText, key: this.keys.fromText(f.keyText), start: f.start, end: f.end, value: this.values.decode(b) });
      });
    }
    for (const e of this.dirty) if (e.dirty && e.end >= fromEnd && e.end <= toEnd) out.set(sessionChangelogKey(e.keyText, e.start, e.end), e);
    return [...out.values()].sort(sessionOrder);
  }

  // The public SessionStore API.

  async *findSessions(key: K, earliestEnd: number, latestStart: number): AsyncIterable<[Window, V]> {
    const t = this.keyText(key);
    await this.load([t]);
    const found = this.sessions(t).filter((s) => s.end >= earliestEnd && s.start <= latestStart);
    for (const s of [...found].sort(sessionOrder)) yield [{ start: s.start, end: s.end }, s.value];
  }

  put(key: K, window: Window, value: V): void {
    if (window.end <= this.observed - this.retentionMs) return;
    const t = this.keyText(key);
    if (!this.cache.has(t)) this.cache.set(t, []); // a blind write
    this.putSession(t, key, window.start, window.end, value);
  }

  remove(key: K, window: Window): void {
    const t = this.keyText(key);
    const e = this.cache.get(t)?.find((s) => s.start === window.start && s.end === window.end);
    if (e) this.removeSession(e);
    else this.removed.push({ keyText: t, start: window.start, end: window.end });
  }

  async expire(minEnd: number): Promise<void> {
    for (const e of await this.range(-Infinity, minEnd - 1)) this.remove(e.key, e);
  }

  protected queryKind(): StoreKind {
    return 'session';
  }

  protected async scan(): Promise<Array<ScannedEntry<K, V>>> {
    return (await this.range(-Infinity, Infinity)).map((e) => ({ keyText: e.keyText, key: e.key, value: e.value, window: { start: e.start, end: e.end } }));
  }

  entries(): Array<[unknown, unknown]> {
    return [];
  }

  async flush(): Promise<void> {
    const p = this.redis.pipeline();
    let n = 0;
    const limit = this.observed - this.retentionMs;
    const expired = Number.isFinite(limit) ? await this.redis.zrangebyscore(this.index, '-inf', limit < this.holdFrom ? score(limit) : `(${this.holdFrom}`) : [];
    const gone = new Set<string>();
    const drop = (keyText: string, start: number, end: number) => {
      const id = sessionChangelogKey(keyText, start, end);
      if (gone.has(id)) return;
      gone.add(id);
      p.hdel(`${this.prefix}s:${keyText}`, `${start},${end}`);
      p.zrem(this.index, id);
      this.log(id, null);
      n++;
    };
    for (const id of expired) {
      const [keyText, start, end] = JSON.parse(id) as [string, number, number];
      drop(keyText, start, end);
    }
    for (const r of this.removed) drop(r.keyText, r.start, r.end);
    this.removed = [];
    for (const e of this.dirty) {
      if (!e.dirty) continue;
      e.dirty = false;
      const id = sessionChangelogKey(e.keyText, e.start, e.end);
      if (gone.has(id) || (e.end <= limit && e.end < this.holdFrom)) continue;
      const bytes = this.values.encode(e.value);
      p.hset(`${this.prefix}s:${e.keyText}`, `${e.start},${e.end}`, bytes);
      p.zadd(this.index, e.end, id);
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
    this.removed = [];
    this.resetClocks();
    await deleteKeysWithPrefix(this.redis, this.prefix);
  }

  protected async restoreBatch(records: RecordCursor): Promise<void> {
    const restore = new RestorePipeline(this.redis);
    while (records.next()) {
      const p = restore.commands;
      const key = this.restoredKey<[string, number, number]>(records);
      if (key === null) {
        if (records.keyLength >= 0 && records.valueLength >= 0) p.set(`${this.prefix}__streamTime`, String(this.streamTimeValue));
        continue;
      }
      const k = key.text;
      const [keyText, start, end] = key.parts;
      if (records.valueLength < 0) {
        p.hdel(`${this.prefix}s:${keyText}`, `${start},${end}`);
        p.zrem(this.index, k);
      } else {
        p.hset(`${this.prefix}s:${keyText}`, `${start},${end}`, records.value()!);
        p.zadd(this.index, end, k);
        if (end > this.observed) this.observed = end;
      }
      if (restore.counted()) await restore.send();
    }
    await restore.end();
  }

  protected override async endRestore(): Promise<void> {
    this.forgetRestoredKeys();
    const limit = this.observed - this.retentionMs;
    if (!Number.isFinite(limit)) return;
    const expired = await this.redis.zrangebyscore(this.index, '-inf', score(limit));
    if (expired.length === 0) return;
    const p = this.redis.pipeline();
    for (const id of expired) {
      const [keyText, start, end] = JSON.parse(id) as [string, number, number];
      p.hdel(`${this.prefix}s:${keyText}`, `${start},${end}`);
      p.zrem(this.index, id);
      this.log(id, null);
    }
    await execPipeline(p);
  }

  protected override async release(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}

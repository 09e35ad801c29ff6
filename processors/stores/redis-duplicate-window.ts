/**
 * Window store that retains duplicates, on Redis (ioredis). Layout under the task's prefix
 * `<prefix><partition>:` (prefix `<app>:<store>:` unless given):
 * - `r:<key text>`: a hash per key, field = the record's slot, value = its changelog bytes
 *   (duplicate-window-codec.ts: timestamp, arrival sequence, key text, value bytes);
 * - `__index`: a sorted set of `<slot> <key text>` scored by timestamp (range reads, expiry);
 * - `__streamTime`: the operator's time.
 * The slots in use and the arrival counter are kept in the task (rebuilt from the changelog when
 * it starts, as Redis is). See duplicate-window-store.ts for the contract.
 */
import type { Redis } from 'ioredis';
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import { decodeTimedRecord, encodeTimedRecord } from './duplicate-window-codec.js';
import { timedOrder, type DuplicateWindowAccess, type DuplicateWindowSpec, type TimedRecord } from './duplicate-window-store.js';
import type { Materialized } from './materialized.js';
import { Slots, slotKey } from './memory-duplicate-window.js';
import { deleteKeysWithPrefix, execFlush, execPipeline, partitionPrefix, redisClient, RestorePipeline } from './redis-util.js';
import type { ScannedEntry } from './store-base.js';
import { TimedStoreBase } from './timed-store-base.js';

interface Entry<K, V> extends TimedRecord<K, V> {
  value: V;
  alive: boolean;
  /** Added this batch (written at the flush). */
  added: boolean;
  raw: Buffer | null;
}

const score = (x: number) => (x === -Infinity ? '-inf' : x === Infinity ? '+inf' : String(x));
const member = (slot: number, keyText: string) => `${slot} ${keyText}`;
const parseMember = (m: string): [number, string] => {
  const i = m.indexOf(' ');
  return [Number(m.slice(0, i)), m.slice(i + 1)];
};

export class RedisDuplicateWindowStore<K, V> extends TimedStoreBase<K, V> implements DuplicateWindowAccess<K, V> {
  readonly needsLoad = true;
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly owned: boolean;
  /** This batch's loaded keys: key text → its records in time order. */
  private readonly cache = new Map<string, Array<Entry<K, V>>>();
  private readonly slots = new Slots();
  /** Records of this batch by slot (added or removed), for the flush. */
  private readonly touched = new Map<number, Entry<K, V>>();
  /** Removed this batch: slot → member to delete from Redis. */
  private removed: Array<[number, string]> = [];
  private seq = 0;
  private readonly scratch: Array<Entry<K, V>> = [];
  /** While restoring: slot → its key text in Redis now (null: none). */
  private restoring = new Map<number, string | null>();

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: DuplicateWindowSpec) {
    super(ctx, name, { ...m, backend: 'redis' });
    this.keyText = this.keys.text;
    this.retentionMs = spec.retentionMs;
    this.prefix = partitionPrefix(m.prefix, ctx.appId, name, ctx.partition);
    ({ redis: this.redis, owned: this.owned } = redisClient(m));
  }

  private get index(): string {
    return `${this.prefix}__index`;
  }

  private hash(keyText: string): string {
    return `${this.prefix}r:${keyText}`;
  }

  async load(keyTexts: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const t of keyTexts) if (!this.cache.has(t)) missing.push(t);
    if (missing.length === 0) return;
    const p = this.redis.pipeline();
    for (const t of missing) p.hgetallBuffer(this.hash(t));
    const res = (await p.exec()) ?? [];
    const topic = this.changelog ?? this.name;
    for (let i = 0; i < missing.length; i++) {
      const [err, fields] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      const t = missing[i]!;
      const key = this.keys.fromText(t);
      const list: Array<Entry<K, V>> = [];
      for (const [field, b] of Object.entries((fields ?? {}) as Record<string, Buffer>)) {
        const rec = decodeTimedRecord(topic, field, b);
        list.push({ keyText: t, key, ts: rec.ts, seq: rec.seq, value: this.values.decode(rec.value), slot: Number(field), alive: true, added: false, raw: null });
      }
      this.cache.set(t, list.sort(timedOrder));
    }
  }

  async loadUpTo(to: number): Promise<void> {
    const members = await this.redis.zrangebyscore(this.index, '-inf', score(to));
    await this.load(new Set(members.map((m) => parseMember(m)[1])));
  }

  private listOf(keyText: string): Array<Entry<K, V>> {
    const l = this.cache.get(keyText);
    if (l === undefined) throw new Error(`internal: store "${this.name}" used key ${keyText} without loading it first`);
    return l;
  }

  add(keyText: string, key: K, ts: number, value: V, rawBody: Buffer | null = null, rawStart = 0, rawEnd = rawBody?.length ?? 0): TimedRecord<K, V> | null {
    if (ts <= this.observed - this.retentionMs) return null;
    if (ts > this.observed) this.observed = ts;
    const list = this.listOf(keyText);
    const raw = rawBody === null ? null : rawBody.subarray(rawStart, rawEnd);
    const e: Entry<K, V> = { keyText, key, ts, seq: this.seq++, value, slot: this.slots.take(), alive: true, added: true, raw };
    let i = list.length;
    while (i > 0 && timedOrder(list[i - 1]!, e) > 0) i--;
    list.splice(i, 0, e);
    this.touched.set(e.slot, e);
    this.slots.touch(e.slot);
    return e;
  }

  fetchText(keyText: string, from: number, to: number): ReadonlyArray<TimedRecord<K, V>> {
    const out = this.scratch;
    out.length = 0;
    const floor = this.observed - this.retentionMs;
    for (const e of this.listOf(keyText)) {
      if (e.ts < from || e.ts <= floor) continue;
      if (e.ts > to) break;
      out.push(e);
    }
    return out;
  }

  remove(r: TimedRecord<K, V>): void {
    const e = r as Entry<K, V>;
    if (!e.alive) return;
    e.alive = false;
    const list = this.cache.get(e.keyText);
    if (list) list.splice(list.indexOf(e), 1);
    if (this.touched.get(e.slot) === e) this.touched.delete(e.slot);
    if (!e.added) this.removed.push([e.slot, e.keyText]);
    this.slots.release(e.slot, true);
  }

  range(from: number, to: number): Array<TimedRecord<K, V>> {
    const floor = this.observed - this.retentionMs;
    const out: Array<Entry<K, V>> = [];
    for (const list of this.cache.values()) for (const e of list) if (e.ts >= from && e.ts <= to && e.ts > floor) out.push(e);
    return out.sort(timedOrder);
  }

  // The public WindowStore API (reads load from Redis first).

  async get(key: K, windowStart: number): Promise<V | undefined> {
    const t = this.keyText(key);
    await this.load([t]);
    return this.fetchText(t, windowStart, windowStart)[0]?.value;
  }

  put(key: K, windowStart: number, value: V | null): void {
    if (value === null || value === undefined) return;
    const t = this.keyText(key);
    if (!this.cache.has(t)) this.cache.set(t, []); // a blind write: the key's other records stay as they are in Redis
    this.add(t, key, windowStart, value);
  }

  async *fetch(key: K, fromStart: number, toStart: number): AsyncIterable<[number, V]> {
    const t = this.keyText(key);
    this.cache.delete(t);
    await this.load([t]);
    for (const e of [...this.fetchText(t, fromStart, toStart)]) yield [e.ts, e.value];
  }

  async *fetchAll(fromStart: number, toStart: number): AsyncIterable<[K, number, V]> {
    await this.loadUpTo(toStart);
    const all = this.range(fromStart, toStart).sort((a, b) => a.ts - b.ts || (a.keyText < b.keyText ? -1 : a.keyText > b.keyText ? 1 : 0) || a.seq - b.seq);
    for (const e of all) yield [e.key, e.ts, e.value];
  }

  async expire(minStart: number): Promise<void> {
    await this.loadUpTo(minStart - 1);
    for (const e of this.range(-Infinity, minStart - 1)) this.remove(e);
  }

  protected queryKind(): StoreKind {
    return 'window';
  }

  protected async scan(): Promise<Array<ScannedEntry<K, V>>> {
    await this.loadUpTo(Infinity);
    return this.range(-Infinity, Infinity).map((e) => ({ keyText: e.keyText, key: e.key, value: e.value, window: { start: e.ts, end: e.ts } }));
  }

  entries(): Array<[unknown, unknown]> {
    return [];
  }

  async flush(): Promise<void> {
    const p = this.redis.pipeline();
    let n = 0;
    // Expired records leave Redis and free their slots (no tombstone: a restore drops them by time).
    const limit = this.observed - this.retentionMs;
    if (limit > -Infinity) {
      const removed = new Set(this.removed.map(([slot]) => slot));
      for (const m of await this.redis.zrangebyscore(this.index, '-inf', score(limit))) {
        const [slot, keyText] = parseMember(m);
        if (removed.has(slot)) continue; // removed this batch: released already
        p.hdel(this.hash(keyText), String(slot));
        p.zrem(this.index, m);
        this.slots.release(slot, false);
        n++;
      }
    }
    for (const [slot, keyText] of this.removed) {
      p.hdel(this.hash(keyText), String(slot));
      p.zrem(this.index, member(slot, keyText));
      n++;
    }
    this.removed = [];
    for (const slot of this.slots.takeDirty()) {
      const e = this.touched.get(slot);
      if (e !== undefined && e.alive && e.ts > limit) {
        const bytes = encodeTimedRecord(e, e.raw ?? this.values.encode(e.value));
        p.hset(this.hash(e.keyText), String(slot), bytes);
        p.zadd(this.index, e.ts, member(slot, e.keyText));
        n++;
        this.log(slotKey(slot), bytes);
        this.slots.logged[slot] = true;
        this.slots.tomb[slot] = false;
      } else {
        if (e !== undefined && e.alive) this.slots.release(slot, false); // added and expired in one batch
        if (this.slots.tomb[slot]) {
          if (this.slots.logged[slot]) this.log(slotKey(slot), null);
          this.slots.logged[slot] = false;
          this.slots.tomb[slot] = false;
        }
      }
    }
    this.touched.clear();
    await execFlush(p, n, this.prefix, this.logStreamTime());
    this.cache.clear();
    this.sendLog();
  }

  protected async beginRestore(): Promise<void> {
    this.cache.clear();
    this.touched.clear();
    this.removed = [];
    this.restoring = new Map();
    this.resetClocks();
    await deleteKeysWithPrefix(this.redis, this.prefix);
  }

  protected async restoreBatch(records: RecordCursor): Promise<void> {
    const restore = new RestorePipeline(this.redis);
    const topic = this.changelog ?? this.name;
    while (records.next()) {
      const p = restore.commands;
      const key = this.restoredKey<number>(records);
      if (key === null) {
        if (records.keyLength >= 0 && records.valueLength >= 0) p.set(`${this.prefix}__streamTime`, String(this.streamTimeValue));
        continue;
      }
      const slot = key.parts;
      const k = key.text;
      const before = this.restoring.get(slot);
      if (before !== undefined && before !== null) {
        p.hdel(this.hash(before), k);
        p.zrem(this.index, member(slot, before));
      }
      if (records.valueLength < 0) this.restoring.set(slot, null);
      else {
        const value = records.value()!;
        const rec = decodeTimedRecord(topic, k, value);
        this.restoring.set(slot, rec.keyText);
        p.hset(this.hash(rec.keyText), k, value);
        p.zadd(this.index, rec.ts, member(slot, rec.keyText));
        if (rec.ts > this.observed) this.observed = rec.ts;
        if (rec.seq >= this.seq) this.seq = rec.seq + 1;
      }
      if (restore.counted()) await restore.send();
    }
    await restore.end();
  }

  protected override async endRestore(): Promise<void> {
    this.forgetRestoredKeys();
    const limit = this.observed - this.retentionMs;
    const expired = new Set<number>();
    if (limit > -Infinity) {
      const p = this.redis.pipeline();
      for (const m of await this.redis.zrangebyscore(this.index, '-inf', score(limit))) {
        const [slot, keyText] = parseMember(m);
        p.hdel(this.hash(keyText), String(slot));
        p.zrem(this.index, m);
        expired.add(slot);
      }
      await execPipeline(p);
    }
    const live = new Set<number>();
    const logged: number[] = [];
    let highest = -1;
    for (const [slot, keyText] of this.restoring) {
      if (slot > highest) highest = slot;
      if (keyText === null) continue;
      logged.push(slot);
      if (!expired.has(slot)) live.add(slot);
    }
    this.restoring = new Map();
    this.slots.reset(live, logged, highest);
  }

  protected override async release(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}

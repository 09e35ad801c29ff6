/** In-memory session store: sessions per key text, and per end (for expiry and range reads). See session-store.ts. */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Window } from '../types.js';
import { TimeBuckets } from '../windows/time-buckets.js';
import type { Materialized } from './materialized.js';
import { restoreNow } from './memory-kv.js';
import { sessionOrder, type SessionAccess, type SessionEntry } from './session-store.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import type { ScannedEntry } from './store-base.js';
import { TimedStoreBase } from './timed-store-base.js';
import { sessionChangelogKey } from './window-codec.js';

interface Entry<K, V> extends SessionEntry<K, V> {
  logged: boolean;
  dirty: boolean;
  removed: boolean;
}

export class MemorySessionStore<K, V> extends TimedStoreBase<K, V> implements SessionAccess<K, V> {
  readonly needsLoad = false;
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  private readonly byKey = new Map<string, Array<Entry<K, V>>>();
  private readonly byEnd = new TimeBuckets<Set<Entry<K, V>>>(() => new Set());
  private dirty: Array<Entry<K, V>> = [];

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: { retentionMs: number }) {
    super(ctx, name, m);
    this.keyText = this.keys.text;
    this.retentionMs = spec.retentionMs;
  }

  static async open<K, V>(name: string, ctx: TaskContext, m: Materialized<K, V>, spec: { retentionMs: number }): Promise<MemorySessionStore<K, V>> {
    const s = new MemorySessionStore<K, V>(ctx, name, m, spec);
    await restoreNow(ctx);
    return s;
  }

  holdFrom = Infinity;

  async load(): Promise<void> {}

  sessions(keyText: string): ReadonlyArray<SessionEntry<K, V>> {
    return this.byKey.get(keyText) ?? [];
  }

  private add(e: Entry<K, V>): void {
    const list = this.byKey.get(e.keyText);
    if (list) list.push(e);
    else this.byKey.set(e.keyText, [e]);
    this.byEnd.at(e.end).add(e);
  }

  private unlink(e: Entry<K, V>): void {
    const list = this.byKey.get(e.keyText);
    if (list) {
      const i = list.indexOf(e);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byKey.delete(e.keyText);
    }
    const set = this.byEnd.get(e.end);
    set?.delete(e);
    if (set && set.size === 0) this.byEnd.delete(e.end);
  }

  putSession(keyText: string, key: K, start: number, end: number, value: V): SessionEntry<K, V> {
    const existing = (this.byKey.get(keyText) ?? []).find((s) => s.start === start && s.end === end);
    const e: Entry<K, V> = existing ?? { keyText, key, start, end, value, logged: false, dirty: false, removed: false };
    e.value = value;
    if (!existing) this.add(e);
    if (end > this.observed) this.observed = end;
    if (!e.dirty) {
      e.dirty = true;
      this.dirty.push(e);
    }
    return e;
  }

  removeSession(s: SessionEntry<K, V>): void {
    const e = s as Entry<K, V>;
    if (e.removed) return;
    this.unlink(e);
    e.removed = true;
    e.dirty = false;
    if (e.logged) this.log(sessionChangelogKey(e.keyText, e.start, e.end), null);
  }

  range(fromEnd: number, toEnd: number): Array<SessionEntry<K, V>> {
    const out: Array<SessionEntry<K, V>> = [];
    for (const end of this.byEnd.starts()) {
      if (end < fromEnd) continue;
      if (end > toEnd) break;
      for (const e of this.byEnd.get(end)!) out.push(e);
    }
    return out.sort(sessionOrder);
  }

  // The public SessionStore API.

  *findSessions(key: K, earliestEnd: number, latestStart: number): Iterable<[Window, V]> {
    const found = this.sessions(this.keyText(key)).filter((s) => s.end >= earliestEnd && s.start <= latestStart);
    for (const s of [...found].sort(sessionOrder)) yield [{ start: s.start, end: s.end }, s.value];
  }

  put(key: K, window: Window, value: V): void {
    if (window.end <= this.observed - this.retentionMs) return; // expired: Kafka drops such a write
    this.putSession(this.keyText(key), key, window.start, window.end, value);
  }

  remove(key: K, window: Window): void {
    const e = this.sessions(this.keyText(key)).find((s) => s.start === window.start && s.end === window.end);
    if (e) this.removeSession(e);
  }

  /** Drops sessions that ended before `minEnd` now (besides retention). */
  expire(minEnd: number): void {
    for (const e of this.range(-Infinity, minEnd - 1)) this.removeSession(e);
  }

  protected queryKind(): StoreKind {
    return 'session';
  }

  protected scan(): Array<ScannedEntry<K, V>> {
    return this.range(-Infinity, Infinity).map((e) => ({ keyText: e.keyText, key: e.key, value: e.value, window: { start: e.start, end: e.end } }));
  }

  entries(): Array<[unknown, unknown]> {
    return this.range(-Infinity, Infinity).map((s) => [{ key: s.key, window: { start: s.start, end: s.end } }, s.value]);
  }

  private expireRetained(): void {
    const limit = this.observed - this.retentionMs;
    for (const end of this.byEnd.starts()) {
      if (end > limit) break;
      if (end >= this.holdFrom) continue;
      for (const e of [...this.byEnd.get(end)!]) this.removeSession(e);
    }
  }

  async flush(): Promise<void> {
    this.expireRetained();
    for (const e of this.dirty) {
      if (!e.dirty) continue;
      e.dirty = false;
      e.logged = true;
      this.log(sessionChangelogKey(e.keyText, e.start, e.end), this.values.encode(e.value));
    }
    this.dirty = [];
    this.logStreamTime();
    this.sendLog();
  }

  protected beginRestore(): void {
    this.byKey.clear();
    for (const end of this.byEnd.starts()) this.byEnd.delete(end);
    this.dirty = [];
    this.resetClocks();
  }

  protected restoreBatch(records: RecordCursor): void {
    while (records.next()) {
      const k = this.restoredKey<[string, number, number]>(records);
      if (k === null) continue;
      const [keyText, start, end] = k.parts;
      const existing = (this.byKey.get(keyText) ?? []).find((s) => s.start === start && s.end === end);
      if (existing) this.unlink(existing);
      if (records.valueLength < 0) continue;
      this.add({ keyText, key: existing?.key ?? this.keys.fromText(keyText), start, end, value: this.values.decode(records.value()!), logged: true, dirty: false, removed: false });
      if (end > this.observed) this.observed = end;
    }
  }

  protected override endRestore(): void {
    this.forgetRestoredKeys();
    this.expireRetained();
  }
}

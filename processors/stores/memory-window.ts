/**
 * In-memory window store: windows per start (TimeBuckets, earliest first), then per key text.
 * Expiring walks whole starts; a record of a tumbling window usually lands in the start the
 * previous record used. See window-store.ts for the contract and retention.
 */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import { TimeBuckets } from '../windows/time-buckets.js';
import { KeyOrder, type LiveKeys } from './key-order.js';
import type { Materialized } from './materialized.js';
import { restoreNow } from './memory-kv.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import type { ScannedEntry } from './store-base.js';
import { TimedStoreBase } from './timed-store-base.js';
import { splitTimestamp, windowChangelogKey, withTimestamp } from './window-codec.js';
import type { WindowAccess, WindowEntry, WindowStoreSpec } from './window-store.js';

interface Entry<K, V> extends WindowEntry<K, V> {
  /** Restored bytes of the value, until first read. */
  raw: Buffer | undefined;
  /** Its changelog key once the changelog holds it (expiry then writes a tombstone under it), else null. */
  logged: string | null;
  dirty: boolean;
}

/**
 * One window start's entries. Its changed entries and whether any entry was ever logged are kept
 * with it, so a start that expires before a flush costs nothing per entry: its entries were never
 * logged (no tombstones to write) and are not dirty any more (nothing to write). In a windowed
 * count with final results most windows close and expire within the batch that made them, and
 * walking them again at the flush touched each one long after it was made.
 */
interface Bucket<K, V> {
  entries: Map<string, Entry<K, V>>;
  /** Entries changed since the last flush, in the order of their first change. */
  dirty: Array<Entry<K, V>>;
  /** Whether an entry of this start is (or was) in the changelog: expiring it then writes tombstones. */
  logged: boolean;
}

export class MemoryWindowStore<K, V> extends TimedStoreBase<K, V> implements WindowAccess<K, V> {
  readonly needsLoad = false;
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  private readonly size: number;
  /** Key text → its windows by start, when the spec asks for it (windowsOf). */
  private readonly perKey: Map<string, Array<Entry<K, V>>> | null;
  private readonly buckets = new TimeBuckets<Bucket<K, V>>(() => ({ entries: new Map(), dirty: [], logged: false }));
  /** Key texts in order: range(byKey) lists a start's windows by key without a sort. */
  private readonly keyOrder = new KeyOrder();
  private readonly liveKeys: LiveKeys = {
    count: () => {
      let n = 0;
      for (const b of this.buckets.values()) n += b.entries.size;
      return n;
    },
    keyTexts: () => {
      const texts: string[] = [];
      for (const b of this.buckets.values()) for (const t of b.entries.keys()) texts.push(t);
      return texts;
    },
  };

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: WindowStoreSpec) {
    super(ctx, name, m);
    this.keyText = this.keys.text;
    this.size = spec.size;
    this.retentionMs = spec.retentionMs;
    this.perKey = spec.byKey ? new Map() : null;
  }

  windowsOf(keyText: string, from: number, to: number): Array<WindowEntry<K, V>> {
    if (!this.perKey) throw new Error(`internal: window store "${this.name}" keeps no index by key (WindowStoreSpec.byKey)`);
    const out: Array<WindowEntry<K, V>> = [];
    for (const e of this.perKey.get(keyText) ?? []) {
      if (e.start < from) continue;
      if (e.start > to) break;
      if (e.raw !== undefined) this.decode(e);
      if (e.value !== undefined) out.push(e);
    }
    return out;
  }

  private index(e: Entry<K, V>): void {
    if (!this.perKey) return;
    let list = this.perKey.get(e.keyText);
    if (!list) this.perKey.set(e.keyText, (list = []));
    let i = list.length;
    while (i > 0 && list[i - 1]!.start > e.start) i--;
    list.splice(i, 0, e);
  }

  private unindex(e: Entry<K, V>): void {
    const list = this.perKey?.get(e.keyText);
    if (!list) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.perKey!.delete(e.keyText);
  }

  /** The older form: a window store for the task, resolved once restored. */
  static async open<K, V>(name: string, ctx: TaskContext, m: Materialized<K, V>, spec: WindowStoreSpec): Promise<MemoryWindowStore<K, V>> {
    const s = new MemoryWindowStore<K, V>(ctx, name, m, spec);
    await restoreNow(ctx);
    return s;
  }

  async load(): Promise<void> {}

  private expired(start: number): boolean {
    return start <= this.observed - this.retentionMs;
  }

  entry(keyText: string, key: K, start: number): WindowEntry<K, V> {
    const bucket = this.buckets.at(start);
    let e = bucket.entries.get(keyText);
    if (e === undefined) {
      e = { keyText, start, key, value: undefined, ts: -Infinity, raw: undefined, logged: null, dirty: false };
      bucket.entries.set(keyText, e);
      this.index(e);
    } else if (e.raw !== undefined) this.decode(e);
    return e;
  }

  find(keyText: string, start: number): WindowEntry<K, V> | undefined {
    const e = this.buckets.get(start)?.entries.get(keyText);
    if (e?.raw !== undefined) this.decode(e);
    return e;
  }

  private decode(e: Entry<K, V>): void {
    e.value = this.values.decode(e.raw!);
    e.raw = undefined;
  }

  changed(w: WindowEntry<K, V>): void {
    const e = w as Entry<K, V>;
    if (w.start > this.observed) this.observed = w.start;
    if (!e.dirty) {
      e.dirty = true;
      this.buckets.at(e.start).dirty.push(e); // the bucket entry() used: remembered by TimeBuckets
    }
  }

  range(from: number, to: number, byKey: boolean): Array<WindowEntry<K, V>> {
    const out: Array<Entry<K, V>> = [];
    for (const start of this.buckets.starts()) {
      if (start < from) continue;
      if (start > to) break;
      const bucket = this.buckets.get(start)!;
      const first = out.length;
      if (byKey) this.keyOrder.appendOrdered(bucket.entries, out, this.liveKeys);
      else for (const e of bucket.entries.values()) out.push(e);
      // Restored values decoded; windows created empty (entry() not followed by a value) left out.
      let n = first;
      for (let i = first; i < out.length; i++) {
        const e = out[i]!;
        if (e.raw !== undefined) this.decode(e);
        if (e.value !== undefined) out[n++] = e;
      }
      out.length = n;
    }
    return out;
  }

  // The public WindowStore API.

  get(key: K, windowStart: number): V | undefined {
    return this.find(this.keyText(key), windowStart)?.value;
  }

  put(key: K, windowStart: number, value: V | null, timestamp = windowStart): void {
    const t = this.keyText(key);
    if (value === null) {
      const e = this.buckets.get(windowStart)?.entries.get(t);
      if (e) this.remove(e);
      return;
    }
    if (windowStart <= this.observed - this.retentionMs) return; // expired: Kafka drops such a write
    const e = this.entry(t, key, windowStart);
    e.value = value;
    e.ts = Math.max(e.ts, timestamp);
    this.changed(e);
  }

  private remove(e: Entry<K, V>): void {
    const bucket = this.buckets.get(e.start);
    bucket?.entries.delete(e.keyText);
    if (bucket && bucket.entries.size === 0) this.buckets.delete(e.start);
    this.unindex(e);
    e.dirty = false;
    if (e.logged !== null) this.log(e.logged, null);
    e.logged = null;
  }

  *fetch(key: K, fromStart: number, toStart: number): Iterable<[number, V]> {
    const t = this.keyText(key);
    for (const start of this.buckets.starts()) {
      if (start < fromStart) continue;
      if (start > toStart) break;
      const e = this.find(t, start);
      if (e?.value !== undefined) yield [start, e.value];
    }
  }

  *fetchAll(fromStart: number, toStart: number): Iterable<[K, number, V]> {
    for (const e of this.range(fromStart, toStart, true)) yield [e.key, e.start, e.value as V];
  }

  /** Drops windows that start before `minStart` now (besides retention). */
  expire(minStart: number): void {
    for (const start of this.buckets.starts()) {
      if (start >= minStart) break;
      for (const e of [...this.buckets.get(start)!.entries.values()]) this.remove(e);
    }
  }

  protected queryKind(): StoreKind {
    return 'window';
  }

  protected scan(): Array<ScannedEntry<K, V>> {
    return this.range(-Infinity, Infinity, false).map((e) => ({ keyText: e.keyText, key: e.key, value: e.value as V, window: { start: e.start, end: e.start + this.size } }));
  }

  entries(): Array<[unknown, unknown]> {
    return this.range(-Infinity, Infinity, false).map((e) => [{ key: e.key, window: { start: e.start, end: e.start + this.size } }, e.value]);
  }

  async flush(): Promise<void> {
    // Retention first: an expired window is not written (and was emitted by its operator already).
    const limit = this.observed - this.retentionMs;
    for (const start of this.buckets.starts()) {
      const bucket = this.buckets.get(start)!;
      if (start <= limit) {
        this.buckets.delete(start);
        // Entries are walked only when there is something to undo: tombstones, the index by key.
        if (bucket.logged || this.perKey)
          for (const e of bucket.entries.values()) {
            e.dirty = false;
            this.unindex(e);
            if (e.logged !== null) this.log(e.logged, null);
          }
        continue;
      }
      for (const e of bucket.dirty) {
        if (!e.dirty) continue;
        e.dirty = false;
        if (e.value === undefined) continue;
        if (e.logged === null) {
          e.logged = windowChangelogKey(e.keyText, e.start);
          bucket.logged = true;
        }
        this.log(e.logged, withTimestamp(e.ts, this.values.encode(e.value)));
      }
      bucket.dirty = [];
    }
    this.logStreamTime();
    this.sendLog();
  }

  protected beginRestore(): void {
    for (const start of this.buckets.starts()) this.buckets.delete(start);
    this.perKey?.clear();
    this.keyOrder.clear();
    this.resetClocks();
  }

  protected restoreBatch(records: RecordCursor): void {
    while (records.next()) {
      const k = this.restoredKey<[string, number]>(records);
      if (k === null) continue;
      const [keyText, start] = k.parts;
      if (records.valueLength < 0) {
        const e = this.buckets.get(start)?.entries.get(keyText);
        if (e) {
          e.logged = null; // the changelog's own tombstone: not written again
          this.remove(e);
        }
        continue;
      }
      const { ts, value } = splitTimestamp(records.value()!);
      const bucket = this.buckets.at(start);
      const e = bucket.entries.get(keyText);
      if (e) {
        e.ts = ts;
        e.raw = value;
        e.value = undefined;
      } else {
        const created: Entry<K, V> = { keyText, start, key: this.keys.fromText(keyText), value: undefined, ts, raw: value, logged: k.text, dirty: false };
        bucket.logged = true;
        bucket.entries.set(keyText, created);
        this.index(created);
      }
      if (start > this.observed) this.observed = start;
    }
  }

  protected override endRestore(): void {
    this.forgetRestoredKeys();
    // Windows that expired before the restart (the changelog may still hold them) are dropped now.
    const limit = this.observed - this.retentionMs;
    for (const start of this.buckets.starts()) {
      const bucket = this.buckets.get(start)!;
      if (start <= limit)
        for (const e of bucket.entries.values()) {
          this.log(windowChangelogKey(e.keyText, e.start), null);
          this.unindex(e);
        }
      if (start <= limit || bucket.entries.size === 0) this.buckets.delete(start);
    }
  }
}

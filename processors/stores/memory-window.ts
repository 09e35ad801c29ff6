/**
 * In-memory window store: windows per start (TimeBuckets, earliest first), then per key text.
 * Expiring walks whole starts; a record of a tumbling window usually lands in the start the
 * previous record used. See window-store.ts for the contract and retention.
 */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import { TimeBuckets } from '../windows/time-buckets.js';
import { KeyOrder, type LiveKeys, type Ranked } from './key-order.js';
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
  /** Its key's slot (the key's windows and rank). */
  readonly slot: KeySlot<K, V>;
  /** Removed alone (a tombstone): still in its bucket's array until the bucket is compacted. */
  removed: boolean;
}

/**
 * One per key text: the key's windows by start (a tumbling key has one or two) and its rank in
 * key order. A record finds its window with one Map lookup, and closing a start orders it by
 * the ranks its slots keep, without looking key texts up again.
 */
interface KeySlot<K, V> extends Ranked {
  readonly keyText: string;
  windows: Array<Entry<K, V>>;
}

interface Bucket<K, V> {
  /** The start's windows in the order they were made (removed ones until compacted). */
  entries: Array<Entry<K, V>>;
  removed: number;
}

/** Slots of keys without windows kept beyond twice the windows held. */
const MAX_IDLE_SLOTS = 65_536;

export class MemoryWindowStore<K, V> extends TimedStoreBase<K, V> implements WindowAccess<K, V> {
  readonly needsLoad = false;
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  private readonly size: number;
  /** Key text → its slot; slots without windows are dropped when they outnumber the windows (flush). */
  private readonly slots = new Map<string, KeySlot<K, V>>();
  private readonly buckets = new TimeBuckets<Bucket<K, V>>(() => ({ entries: [], removed: 0 }));
  /** Windows held (removed ones not counted). */
  private held = 0;
  private dirty: Array<Entry<K, V>> = [];
  /** Key texts in order: range(byKey) lists a start's windows by key without a sort. */
  private readonly keyOrder = new KeyOrder();
  /** The keys KeyOrder must keep ranking: every slot's (a slot keeps its rank while it lives). */
  private readonly liveKeys: LiveKeys = {
    count: () => this.slots.size,
    keyTexts: () => this.slots.keys(),
  };

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: WindowStoreSpec) {
    super(ctx, name, m);
    this.keyText = this.keys.text;
    this.size = spec.size;
    this.retentionMs = spec.retentionMs;
  }

  windowsOf(keyText: string, from: number, to: number): Array<WindowEntry<K, V>> {
    const out: Array<WindowEntry<K, V>> = [];
    for (const e of this.slots.get(keyText)?.windows ?? []) {
      if (e.start < from) continue;
      if (e.start > to) break;
      if (e.raw !== undefined) this.decode(e);
      if (e.value !== undefined) out.push(e);
    }
    return out;
  }

  private slotOf(keyText: string): KeySlot<K, V> {
    let slot = this.slots.get(keyText);
    if (slot === undefined) this.slots.set(keyText, (slot = { keyText, rank: 0, rankEpoch: 0, windows: [] }));
    return slot;
  }

  /** A new window of the slot's key, listed in its slot (by start) and its start's bucket. */
  private create(slot: KeySlot<K, V>, key: K, start: number, ts: number, raw: Buffer | undefined, logged: string | null): Entry<K, V> {
    const e: Entry<K, V> = { keyText: slot.keyText, start, key, value: undefined, ts, raw, logged, dirty: false, slot, removed: false };
    const list = slot.windows;
    let i = list.length;
    while (i > 0 && list[i - 1]!.start > start) i--;
    if (i === list.length) list.push(e);
    else list.splice(i, 0, e);
    this.buckets.at(start).entries.push(e);
    this.held++;
    return e;
  }

  private static inSlot<K, V>(slot: KeySlot<K, V> | undefined, start: number): Entry<K, V> | undefined {
    if (slot === undefined) return undefined;
    const list = slot.windows;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.start === start) return e;
      if (e.start < start) return undefined;
    }
    return undefined;
  }

  /** Takes a window out of its slot (its bucket drops it as a whole, or marks it removed). */
  private unlist(e: Entry<K, V>): void {
    const list = e.slot.windows;
    const i = list.indexOf(e);
    if (i === 0) list.shift();
    else if (i > 0) list.splice(i, 1);
    this.held--;
  }

  /** The older form: a window store for the task, resolved once restored. */
  static async open<K, V>(name: string, ctx: TaskContext, m: Materialized<K, V>, spec: WindowStoreSpec): Promise<MemoryWindowStore<K, V>> {
    const s = new MemoryWindowStore<K, V>(ctx, name, m, spec);
    await restoreNow(ctx);
    return s;
  }

  async load(): Promise<void> {}

  entry(keyText: string, key: K, start: number): WindowEntry<K, V> {
    const slot = this.slotOf(keyText);
    const e = MemoryWindowStore.inSlot(slot, start);
    if (e === undefined) return this.create(slot, key, start, -Infinity, undefined, null);
    if (e.raw !== undefined) this.decode(e);
    return e;
  }

  find(keyText: string, start: number): WindowEntry<K, V> | undefined {
    const e = MemoryWindowStore.inSlot(this.slots.get(keyText), start);
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
      this.dirty.push(e);
    }
  }

  /** The bucket's windows, without the ones removed alone. */
  private static liveEntries<K, V>(bucket: Bucket<K, V>): Array<Entry<K, V>> {
    if (bucket.removed > 0) {
      bucket.entries = bucket.entries.filter((e) => !e.removed);
      bucket.removed = 0;
    }
    return bucket.entries;
  }

  range(from: number, to: number, byKey: boolean): Array<WindowEntry<K, V>> {
    const out: Array<Entry<K, V>> = [];
    for (const start of this.buckets.starts()) {
      if (start < from) continue;
      if (start > to) break;
      const entries = MemoryWindowStore.liveEntries(this.buckets.get(start)!);
      const first = out.length;
      if (byKey) this.keyOrder.appendOrdered(entries, out, this.liveKeys);
      else for (const e of entries) out.push(e);
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
      const e = MemoryWindowStore.inSlot(this.slots.get(t), windowStart);
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
    this.unlist(e);
    e.removed = true;
    const bucket = this.buckets.get(e.start);
    if (bucket && ++bucket.removed === bucket.entries.length) this.buckets.delete(e.start);
    e.dirty = false;
    if (e.logged !== null) this.log(e.logged, null);
    e.logged = null;
  }

  /** Drops a whole start's windows, each taken out of its slot; `tombstone` says what each logged one gets. */
  private dropBucket(start: number, tombstone: (e: Entry<K, V>) => void): void {
    const bucket = this.buckets.get(start)!;
    this.buckets.delete(start);
    for (const e of bucket.entries) {
      if (e.removed) continue;
      e.removed = true;
      e.dirty = false;
      this.unlist(e);
      tombstone(e);
    }
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
      this.dropBucket(start, (e) => {
        if (e.logged !== null) this.log(e.logged, null);
        e.logged = null;
      });
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
      if (start > limit) break;
      this.dropBucket(start, (e) => {
        if (e.logged !== null) this.log(e.logged, null);
      });
    }
    // Keys without windows are forgotten once they far outnumber the windows held (a key with a
    // window now and then keeps its slot: P2's 10 000 users hold ~4 000 windows at a flush).
    if (this.slots.size > 2 * this.held + MAX_IDLE_SLOTS) for (const [t, slot] of this.slots) if (slot.windows.length === 0) this.slots.delete(t);
    for (const e of this.dirty) {
      if (!e.dirty) continue;
      e.dirty = false;
      if (e.value === undefined) continue;
      e.logged ??= windowChangelogKey(e.keyText, e.start);
      this.log(e.logged, withTimestamp(e.ts, this.values.encode(e.value)));
    }
    this.dirty = [];
    this.logStreamTime();
    this.sendLog();
  }

  protected beginRestore(): void {
    for (const start of this.buckets.starts()) this.buckets.delete(start);
    this.slots.clear();
    this.held = 0;
    this.keyOrder.clear();
    this.dirty = [];
    this.resetClocks();
  }

  protected restoreBatch(records: RecordCursor): void {
    while (records.next()) {
      const k = this.restoredKey<[string, number]>(records);
      if (k === null) continue;
      const [keyText, start] = k.parts;
      if (records.valueLength < 0) {
        const e = MemoryWindowStore.inSlot(this.slots.get(keyText), start);
        if (e) {
          e.logged = null; // the changelog's own tombstone: not written again
          this.remove(e);
        }
        continue;
      }
      const { ts, value } = splitTimestamp(records.value()!);
      const slot = this.slotOf(keyText);
      const e = MemoryWindowStore.inSlot(slot, start);
      if (e) {
        e.ts = ts;
        e.raw = value;
        e.value = undefined;
      } else this.create(slot, this.keys.fromText(keyText), start, ts, value, k.text);
      if (start > this.observed) this.observed = start;
    }
  }

  protected override endRestore(): void {
    this.forgetRestoredKeys();
    // Windows that expired before the restart (the changelog may still hold them) are dropped now.
    const limit = this.observed - this.retentionMs;
    for (const start of this.buckets.starts()) {
      if (start <= limit) this.dropBucket(start, (e) => this.log(windowChangelogKey(e.keyText, e.start), null));
    }
  }
}

/**
 * In-memory window store that retains duplicates: each key's records in one array in time order
 * (what a join's fetch of one key over a time range walks), and every record in the segment of
 * its time, so expiry drops whole segments in time order. See duplicate-window-store.ts for the
 * contract, retention and the changelog's slots.
 */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import { TimeBuckets } from '../windows/time-buckets.js';
import { ChangelogChunks } from './changelog-chunks.js';
import { decodeChunk, type DecodedChunkRecord } from './chunk-codec.js';
import { view } from '../../core/log/record-batch.js';
import { ChangelogFormatError, decodeTimedRecord } from './duplicate-window-codec.js';
import { segmentMs, timedOrder, type DuplicateWindowAccess, type DuplicateWindowSpec, type TimedRecord } from './duplicate-window-store.js';
import type { Materialized } from './materialized.js';
import type { ScannedEntry } from './store-base.js';
import { TimedStoreBase, type RestoredKey } from './timed-store-base.js';
import { KeyCells, type KeyCell } from './key-cells.js';
import { NumberPool } from './number-pool.js';

/** A record in the store: its key text is its cell's (one string per key, not one per record). */
class Entry<K, V> implements TimedRecord<K, V> {
  alive = true;
  /** The changelog chunk that holds it (changelog-chunks.ts), -1 until logged. */
  chunk = -1;
  constructor(
    readonly key: K,
    /** Its key's cell in the key index (found once, when the record was put). */
    readonly cell: KeyCell<Entry<K, V>>,
    readonly ts: number,
    readonly seq: number,
    public value: V,
    readonly slot: number,
    /** Value bytes rawBody[rawStart, rawEnd): to log as they are (until logged), or restored and not yet decoded (value undefined). */
    public rawBody: Buffer | null,
    readonly rawStart: number,
    readonly rawEnd: number,
  ) {}

  get keyText(): string {
    return this.cell.text;
  }
}

/**
 * Slot bookkeeping: which slots are free, changed, logged, to be tombstoned. The memory store takes
 * and releases slots (a record's place); `logged`, `tomb` and the dirty list serve the Redis store's
 * slot-per-record changelog (the memory store's chunks are numbered from a NumberPool of their own, changelog-chunks.ts).
 */
export class Slots {
  private readonly pool = new NumberPool();
  /** The changelog's latest record for the slot is a record (not a tombstone). */
  readonly logged: boolean[] = [];
  /** Freed by a removal: the flush tombstones it unless a record takes it. */
  readonly tomb: boolean[] = [];
  private readonly dirtyMark: boolean[] = [];
  dirty: number[] = [];

  take(): number {
    return this.pool.take();
  }

  release(slot: number, removed: boolean): void {
    this.pool.release(slot);
    if (removed) {
      this.tomb[slot] = true;
      this.touch(slot);
    }
  }

  touch(slot: number): void {
    if (this.dirtyMark[slot]) return;
    this.dirtyMark[slot] = true;
    this.dirty.push(slot);
  }

  /** The slots changed since the last call. */
  takeDirty(): number[] {
    const d = this.dirty;
    this.dirty = [];
    for (const s of d) this.dirtyMark[s] = false;
    return d;
  }

  /** After a restore: `live` slots are taken, every other one below the highest seen is free. */
  reset(live: Set<number>, logged: Iterable<number>, highest: number): void {
    this.dirty = [];
    this.logged.length = 0;
    this.tomb.length = 0;
    this.dirtyMark.length = 0;
    for (const s of logged) this.logged[s] = true;
    this.pool.reset(highest, (s) => live.has(s));
  }
}

/** Puts a record into a list in time order; records mostly come in time order, so the place is found from the end. */
function insertInOrder<T extends { ts: number; seq: number }>(list: T[], e: T): void {
  let i = list.length;
  while (i > 0 && timedOrder(list[i - 1]!, e) > 0) i--;
  if (i === list.length) list.push(e);
  else list.splice(i, 0, e);
}

/** A join's side stores pack the records of a flush into changelog records of up to this many bytes. */
const CHUNK_BYTES = 64 * 1024;

/** Changelog keys of slots, made once (slots are reused; the Redis store logs each record under its slot). */
const slotKeys: string[] = [];
export const slotKey = (slot: number): string => slotKeys[slot] ?? (slotKeys[slot] = String(slot));

export class MemoryDuplicateWindowStore<K, V> extends TimedStoreBase<K, V> implements DuplicateWindowAccess<K, V> {
  readonly needsLoad = false;
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  private readonly segment: number;
  /** Key text → its cell: in this store's lane, its record, or its records in time order (most keys of a join hold one). */
  private readonly cells: KeyCells<Entry<K, V>>;
  private readonly lane: number;
  private readonly segments = new TimeBuckets<Array<Entry<K, V>>>(() => []);
  private readonly bySlot: Array<Entry<K, V> | undefined> = [];
  /** Slots name records (a held record names its partner's): taken by a put, free again when it goes. */
  private readonly slots = new Slots();
  private readonly chunks: ChangelogChunks<Entry<K, V>>;
  private seq = 0;
  private readonly scratch: Array<Entry<K, V>> = [];
  /** While restoring: the latest changelog record per key. */
  private restoring = new Map<RestoredKey<unknown>, Buffer | null>();
  /** A record's value bytes for the changelog, when it has no raw bytes (those are logged as they are). */
  private readonly valueBytes = (e: Entry<K, V>): Buffer | string => this.values.encode(e.value);
  private readonly logChunk = (key: string, value: Buffer | null) => this.log(key, value);

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: DuplicateWindowSpec) {
    super(ctx, name, m);
    this.keyText = this.keys.text;
    this.retentionMs = spec.retentionMs;
    this.segment = segmentMs(spec.retentionMs);
    this.cells = (spec.sharedKeys as KeyCells<Entry<K, V>> | undefined) ?? new KeyCells<Entry<K, V>>();
    this.lane = this.cells.lane();
    this.chunks = new ChangelogChunks(spec.packChangelog ? CHUNK_BYTES : 0);
  }

  async load(): Promise<void> {}
  async loadUpTo(): Promise<void> {}

  private segmentOf(ts: number): number {
    // Timestamps are beyond small integers, where `%` is a call to fmod; a division is not.
    return Math.floor(ts / this.segment) * this.segment;
  }

  private value(e: Entry<K, V>): V {
    if (e.value === undefined && e.rawBody !== null) {
      e.value = this.values.decode(view(e.rawBody, e.rawStart, e.rawEnd - e.rawStart));
      // Logged bytes are let go; unlogged ones wait for the flush.
      if (e.chunk >= 0) e.rawBody = null;
    }
    return e.value;
  }

  add(keyText: string, key: K, ts: number, value: V, rawBody: Buffer | null = null, rawStart = 0, rawEnd = rawBody?.length ?? 0): TimedRecord<K, V> | null {
    if (ts <= this.observed - this.retentionMs) return null;
    if (ts > this.observed) this.observed = ts;
    const slot = this.slots.take();
    const logged = this.changelog !== undefined;
    const e = new Entry<K, V>(key, this.cells.at(keyText), ts, this.seq++, value, slot, logged ? rawBody : null, rawStart, rawEnd);
    this.insert(e);
    if (logged) this.chunks.added(e);
    return e;
  }

  private insert(e: Entry<K, V>): void {
    this.bySlot[e.slot] = e;
    const cell = e.cell;
    const at = cell.get(this.lane);
    if (at === undefined) cell.set(this.lane, e);
    else if (Array.isArray(at)) insertInOrder(at, e);
    else cell.set(this.lane, timedOrder(at, e) <= 0 ? [at, e] : [e, at]);
    cell.count++;
    this.segments.at(this.segmentOf(e.ts)).push(e);
  }

  private unlink(e: Entry<K, V>): void {
    e.alive = false;
    this.bySlot[e.slot] = undefined;
    const cell = e.cell;
    const at = cell.get(this.lane)!;
    if (!Array.isArray(at)) cell.set(this.lane, undefined);
    else if (at.length === 2) cell.set(this.lane, at[0] === e ? at[1]! : at[0]!);
    else at.splice(at.indexOf(e), 1);
    this.cells.dropped(e.cell);
  }

  fetchText(keyText: string, from: number, to: number): ReadonlyArray<TimedRecord<K, V>> {
    const out = this.scratch;
    out.length = 0;
    const at = this.cells.find(keyText)?.get(this.lane);
    if (at === undefined) return out;
    const floor = this.observed - this.retentionMs;
    if (!Array.isArray(at)) {
      if (at.ts >= from && at.ts > floor && at.ts <= to) {
        if (at.value === undefined) this.value(at);
        out.push(at);
      }
      return out;
    }
    const list = at;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.ts < from || e.ts <= floor) continue;
      if (e.ts > to) break;
      if (e.value === undefined) this.value(e);
      out.push(e);
    }
    return out;
  }

  remove(r: TimedRecord<K, V>): void {
    const e = r as Entry<K, V>;
    if (!e.alive) return;
    this.unlink(e);
    e.rawBody = null;
    this.slots.release(e.slot, false);
    this.chunks.dropped(e, true);
  }

  range(from: number, to: number): Array<TimedRecord<K, V>> {
    const floor = this.observed - this.retentionMs;
    const out: Array<Entry<K, V>> = [];
    for (const start of this.segments.starts()) {
      if (start + this.segment <= from) continue;
      if (start > to) break;
      const entries = this.segments.get(start)!;
      // Removed records leave their segment here (expiry would otherwise be the only way out).
      let live = 0;
      for (const e of entries) {
        if (!e.alive) continue;
        entries[live++] = e;
        if (e.ts >= from && e.ts <= to && e.ts > floor) out.push(e);
      }
      entries.length = live;
      if (live === 0) this.segments.delete(start);
    }
    for (const e of out) this.value(e);
    return out.sort(timedOrder);
  }

  // The public WindowStore API.

  get(key: K, windowStart: number): V | undefined {
    return this.fetchText(this.keyText(key), windowStart, windowStart)[0]?.value;
  }

  put(key: K, windowStart: number, value: V | null): void {
    if (value === null || value === undefined) return; // a store with duplicates keeps no deletes (Kafka ignores a null put)
    this.add(this.keyText(key), key, windowStart, value);
  }

  *fetch(key: K, fromStart: number, toStart: number): Iterable<[number, V]> {
    for (const e of [...this.fetchText(this.keyText(key), fromStart, toStart)]) yield [e.ts, e.value];
  }

  *fetchAll(fromStart: number, toStart: number): Iterable<[K, number, V]> {
    const all = this.range(fromStart, toStart).sort((a, b) => a.ts - b.ts || (a.keyText < b.keyText ? -1 : a.keyText > b.keyText ? 1 : 0) || a.seq - b.seq);
    for (const e of all) yield [e.key, e.ts, e.value];
  }

  expire(minStart: number): void {
    for (const e of this.range(-Infinity, minStart - 1)) this.remove(e);
  }

  protected queryKind(): StoreKind {
    return 'window';
  }

  protected scan(): Array<ScannedEntry<K, V>> {
    return this.range(-Infinity, Infinity).map((e) => ({ keyText: e.keyText, key: e.key, value: e.value, window: { start: e.ts, end: e.ts } }));
  }

  entries(): Array<[unknown, unknown]> {
    return this.range(-Infinity, Infinity).map((e) => [{ key: e.key, window: { start: e.ts, end: e.ts } }, e.value]);
  }

  /** Drops whole segments at or below observed − retention (no tombstones: a restore drops them by time). */
  private expireSegments(): void {
    const limit = this.observed - this.retentionMs;
    if (!(limit > -Infinity)) return;
    for (const start of this.segments.starts()) {
      if (start + this.segment - 1 > limit) break;
      const entries = this.segments.get(start)!;
      this.segments.delete(start);
      for (const e of entries) {
        if (!e.alive) continue;
        this.unlink(e);
        e.rawBody = null;
        this.slots.release(e.slot, false);
        this.chunks.dropped(e, false);
      }
    }
  }

  async flush(): Promise<void> {
    this.expireSegments();
    if (this.changelog !== undefined) this.chunks.flush(this.valueBytes, this.logChunk);
    this.logStreamTime();
    this.sendLog();
  }

  protected beginRestore(): void {
    // Only this store's records leave the key index (other stores of a join may share it).
    for (const e of this.bySlot) if (e !== undefined) this.unlink(e);
    for (const start of this.segments.starts()) this.segments.delete(start);
    this.bySlot.length = 0;
    this.chunks.clear();
    this.restoring = new Map();
    this.resetClocks();
  }

  protected restoreBatch(records: RecordCursor): void {
    while (records.next()) {
      const k = this.restoredKey<unknown>(records);
      if (k === null) continue;
      this.restoring.delete(k);
      this.restoring.set(k, records.valueLength < 0 ? null : records.value());
    }
  }

  protected override endRestore(): void {
    this.forgetRestoredKeys();
    const topic = this.changelog ?? this.name;
    const decoded: DecodedChunkRecord[] = [];
    // Records logged alone under their slot (before chunks): logged again in chunks, their keys tombstoned.
    const stale: string[] = [];
    let highestSlot = -1;
    let highestChunk = -1;
    for (const [k, v] of this.restoring) {
      const p = k.parts;
      if (typeof p === 'number') {
        if (p > highestSlot) highestSlot = p;
        if (v === null) continue;
        stale.push(k.text);
        const r = decodeTimedRecord(topic, k.text, v);
        decoded.push({ ts: r.ts, seq: r.seq, keyText: r.keyText, slot: p, body: r.value, valueStart: 0, valueEnd: r.value.length, chunk: -1 });
      } else if (Array.isArray(p) && typeof p[0] === 'number') {
        if (p[0] > highestChunk) highestChunk = p[0];
        if (v === null) continue;
        for (const r of decodeChunk(topic, k.text, v, p[0])) {
          decoded.push(r);
          if (r.slot > highestSlot) highestSlot = r.slot;
        }
      } else throw new ChangelogFormatError(topic, k.text, 'its key is neither a chunk ([n]) nor a slot (n)');
    }
    for (const r of decoded) {
      if (r.ts > this.observed) this.observed = r.ts;
      if (r.seq >= this.seq) this.seq = r.seq + 1;
    }
    this.restoring = new Map();
    decoded.sort(timedOrder);
    const limit = this.observed - this.retentionMs;
    const live = new Set<number>();
    for (const r of decoded) {
      if (r.ts <= limit) continue; // expired before the restart: its slot is free
      live.add(r.slot);
      const e = new Entry<K, V>(this.keys.fromText(r.keyText), this.cells.at(r.keyText), r.ts, r.seq, undefined as V, r.slot, r.body, r.valueStart, r.valueEnd);
      this.insert(e);
      if (r.chunk >= 0) this.chunks.restored(e, r.chunk);
      else this.chunks.added(e);
    }
    this.slots.reset(live, [], highestSlot);
    this.chunks.restoredAll(highestChunk, stale);
  }
}

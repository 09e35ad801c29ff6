/**
 * Window stores that retain duplicates (Kafka Streams' `WindowStore` built with
 * `retainDuplicates = true`, what KStreamKStreamJoin buffers each side in): every record put is
 * kept, under its key and its timestamp (the window start), however many others share both.
 * In memory or on Redis, behind one interface the stream-stream join uses.
 *
 * Retention (Kafka's rule): the store's observed time is the largest timestamp put; a record with
 * timestamp <= observed − retention is expired: never returned, dropped when its time segment is
 * (memory) or at the next flush (Redis), and a put that old is refused.
 *
 * Changelog (Redis): a record is logged under a slot
 * number (its changelog key, decimal text) that a later record reuses once the first has expired or
 * been removed, so expiry writes no tombstone and the compacted changelog holds about as many keys
 * as the store ever held at once; a restore drops the expired records it reads by their time. A
 * removed record whose slot is not reused by the next flush is tombstoned. Value layout
 * (duplicate-window-codec.ts's `encodeTimedRecords`): timestamp, arrival sequence, key text, value
 * bytes. The memory store logs chunks keyed `[n]` instead (changelog-chunks.ts, chunk-codec.ts):
 * each flush's records packed into changelog records of up to 64 KiB with `packChangelog` (a
 * join's sides), one record per chunk otherwise.
 *
 * Both backends are write-back caches, as window-store.ts describes: `load(keys)` first on Redis.
 */
import type { WindowStore } from '../types.js';
import type { KeyCells } from './key-cells.js';
import type { Loadable } from './store-operator.js';

/** A record kept by the store. */
export interface TimedRecord<K, V> {
  readonly keyText: string;
  readonly key: K;
  /** Its timestamp (the window start). */
  readonly ts: number;
  /** Arrival order among records of equal timestamp (kept across restores). */
  readonly seq: number;
  readonly value: V;
  /** Its changelog key. */
  readonly slot: number;
}

export interface DuplicateWindowAccess<K, V> extends Loadable, WindowStore<K, V> {
  readonly keyText: (key: K) => string;
  readonly retentionMs: number;
  /** The largest timestamp put: records with ts <= it − retention are expired. */
  readonly observedTime: number;
  /** The operator's time, kept with the store (logged when it changes). */
  streamTime: number;
  /**
   * Keeps a record (null when it is already expired). `rawBody[rawStart, rawEnd)`: its value's
   * bytes as the store's value serde reads them, when the caller has them (logged as they are,
   * not encoded again); the range defaults to the whole of `rawBody`.
   */
  add(keyText: string, key: K, ts: number, value: V, rawBody?: Buffer | null, rawStart?: number, rawEnd?: number): TimedRecord<K, V> | null;
  /**
   * The records of a loaded key with ts in [from, to] and not expired, by time then arrival.
   * The array is the store's scratch space: read it before the next call.
   */
  fetchText(keyText: string, from: number, to: number): ReadonlyArray<TimedRecord<K, V>>;
  /** Removes a record (tombstoned at the flush unless its slot is reused). */
  remove(r: TimedRecord<K, V>): void;
  /**
   * Every record with ts in [from, to], by time then arrival. On Redis only what `loadUpTo(to)`
   * (and `load`) brought in this batch.
   */
  range(from: number, to: number): Array<TimedRecord<K, V>>;
  /** Redis: brings in every record with ts <= `to` (range reads); memory: nothing to do. */
  loadUpTo(to: number): Promise<void>;
}

export interface DuplicateWindowSpec {
  /** Retention (ms): records with ts <= observed − retention are expired. Infinity keeps them until removed. */
  retentionMs: number;
  /**
   * Memory stores: the key index they share with the other stores of one join
   * (`new KeyCells()`, key-cells.ts), so a record's key is looked up once for all of them. Other
   * backends ignore it.
   */
  sharedKeys?: KeyCells<unknown>;
  /**
   * Memory stores: pack the records of a flush into changelog records of up to 64 KiB (a removal
   * rewrites its chunk), rather than one changelog record per record (a removal is a tombstone).
   * For stores whose records mostly expire (a join's two sides), not for those whose records are
   * mostly removed (its held records). See changelog-chunks.ts.
   */
  packChangelog?: boolean;
}

/** The segment a memory store expires at once: a quarter of the retention, between 1 ms and 1 s. */
export function segmentMs(retentionMs: number): number {
  return Number.isFinite(retentionMs) ? Math.max(1, Math.min(1000, Math.floor(retentionMs / 4))) : 1000;
}

/** Records ordered by time, then arrival. */
export const timedOrder = (a: { ts: number; seq: number }, b: { ts: number; seq: number }) => a.ts - b.ts || a.seq - b.seq;

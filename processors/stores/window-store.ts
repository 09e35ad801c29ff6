/**
 * Window stores: a value and timestamp per (key, window start) — Kafka Streams' timestamped
 * window store — in memory or on Redis, behind one interface the windowed operators use.
 *
 * Retention (Kafka's rule): the store's observed stream time is the largest window start written;
 * a window whose start is <= observed − retention is expired: dropped at the next flush (a
 * tombstone in the changelog if it was logged) and never written again. Closed windows within
 * retention stay, so later records can look them up. Retention defaults to size + grace.
 *
 * Both backends are write-back caches under the same protocol: `load(keys)` brings every window
 * of those keys in (Redis: one round trip; memory: nothing to do), after which `entry`/`find`
 * answer at once; `flush()` writes the batch's changes to the backend and the changelog.
 */
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Window, WindowStore } from '../types.js';
import type { Loadable } from './store-operator.js';

export interface WindowEntry<K, V> {
  readonly keyText: string;
  readonly start: number;
  key: K;
  /** undefined: a window created by entry() and not yet given a value. */
  value: V | undefined;
  /** Largest record timestamp in the window. */
  ts: number;
}

/** What windowed operators use (besides the public WindowStore API). */
export interface WindowAccess<K, V> extends Loadable, WindowStore<K, V> {
  readonly keyText: (key: K) => string;
  /** The window of (key, start), created empty when missing. */
  entry(keyText: string, key: K, start: number): WindowEntry<K, V>;
  find(keyText: string, start: number): WindowEntry<K, V> | undefined;
  /** Marks an entry written (logged and stored at the next flush). */
  changed(e: WindowEntry<K, V>): void;
  /**
   * Windows with start in [from, to], ordered by start; within a start by key text when `byKey`
   * (Kafka's order), else in the order they were created.
   */
  range(from: number, to: number, byKey: boolean): Array<WindowEntry<K, V>> | Promise<Array<WindowEntry<K, V>>>;
  /** The windows of a loaded key with start in [from, to], by start (needs `byKey` in the spec for a memory store). */
  windowsOf(keyText: string, from: number, to: number): Array<WindowEntry<K, V>>;
  /** The operator's stream time, kept with the store (logged when it changes). */
  streamTime: number;
  readonly retentionMs: number;
  /** The largest window start written (the store's observed stream time): windows with start <= it − retention are expired. */
  readonly observedTime: number;
}

export interface WindowStoreSpec {
  /** Window size (ms): a window's end is start + size in results. */
  size: number;
  /** Retention (ms), at least size + grace. */
  retentionMs: number;
  /** Keep an index by key too (windowsOf): operators that read a key's windows by range (sliding windows). */
  byKey?: boolean;
}

/** Window starts as the public API gives them: fetch(key, from, to) → [start, value]. */
export function windowOf(e: { start: number }, size: number): Window {
  return { start: e.start, end: e.start + size };
}

export type { TaskContext };

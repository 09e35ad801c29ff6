/**
 * Session stores: a value per (key, session [start, end]) — Kafka Streams' session store — in
 * memory or on Redis, behind one interface the session operators use.
 *
 * Retention (Kafka's rule): the store's observed stream time is the largest session end written;
 * a session whose end is <= observed − retention is expired: dropped at the next flush (a
 * tombstone in the changelog) and never written again. Closed sessions within retention stay, so a
 * late record that bridges one merges with it. Retention defaults to gap + grace.
 *
 * Like window stores, both backends are write-back caches: `load(keys)` brings every session of
 * those keys in, after which `sessions(key)` answers at once; `flush()` writes the batch's changes.
 */
import type { SessionStore } from '../types.js';
import type { Loadable } from './store-operator.js';

export interface SessionEntry<K, V> {
  readonly keyText: string;
  readonly key: K;
  readonly start: number;
  readonly end: number;
  value: V;
}

export interface SessionAccess<K, V> extends Loadable, SessionStore<K, V> {
  readonly keyText: (key: K) => string;
  /** The sessions of a loaded key, in no particular order. */
  sessions(keyText: string): ReadonlyArray<SessionEntry<K, V>>;
  putSession(keyText: string, key: K, start: number, end: number, value: V): SessionEntry<K, V>;
  removeSession(e: SessionEntry<K, V>): void;
  /** Every session with end in [fromEnd, toEnd], ordered by end, then start, then key text. */
  range(fromEnd: number, toEnd: number): Array<SessionEntry<K, V>> | Promise<Array<SessionEntry<K, V>>>;
  streamTime: number;
  readonly retentionMs: number;
  /** The largest session end written (the store's observed stream time): sessions with end <= it − retention are expired. */
  readonly observedTime: number;
  /** Sessions ending at or after this are kept past retention until it moves (final results not yet out). */
  holdFrom: number;
}

export const sessionOrder = (a: { end: number; start: number; keyText: string }, b: { end: number; start: number; keyText: string }) =>
  a.end - b.end || a.start - b.start || (a.keyText < b.keyText ? -1 : a.keyText > b.keyText ? 1 : 0);

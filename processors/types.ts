/**
 * Types shared by every part of the DSL: the typed record that flows through pipelines, windows,
 * and the state-store contracts (implemented in memory and on Redis, logged to changelog topics).
 */

/** A deserialized record as DSL operators see it. Operators never mutate it: they emit new objects. */
export interface Rec<K = unknown, V = unknown> {
  key: K;
  value: V;
  /** Event time, milliseconds. */
  timestamp: number;
  headers: Record<string, Buffer>;
  /** Where the record was read from (the input record's coordinates; kept through stateless operators). */
  topic: string;
  partition: number;
  offset: number;
}

/** A window `[start, end)` in milliseconds (sliding and session windows are inclusive of end, as in Kafka Streams). */
export interface Window {
  start: number;
  end: number;
}

/** The key of a windowed result. */
export interface Windowed<K> {
  key: K;
  window: Window;
}

/** Key-value store. Keys and values are the DSL's typed values; serdes apply in the changelog. */
export interface KeyValueStore<K, V> {
  readonly name: string;
  get(key: K): V | undefined | Promise<V | undefined>;
  put(key: K, value: V): void;
  delete(key: K): void;
  /** All entries, in no particular order (sorted where the implementation says so). */
  all(): AsyncIterable<[K, V]> | Iterable<[K, V]>;
  /** Persists pending writes (changelog records produced, Redis writes acknowledged). Part of the commit. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Window store: values per (key, window start). */
export interface WindowStore<K, V> {
  readonly name: string;
  get(key: K, windowStart: number): V | undefined | Promise<V | undefined>;
  put(key: K, windowStart: number, value: V | null): void;
  /** Windows of `key` whose start lies in [fromStart, toStart]. */
  fetch(key: K, fromStart: number, toStart: number): Iterable<[number, V]> | AsyncIterable<[number, V]>;
  /** Every (key, window start, value) with start in [fromStart, toStart], ordered by start then key. */
  fetchAll(fromStart: number, toStart: number): Iterable<[K, number, V]> | AsyncIterable<[K, number, V]>;
  /** Drops windows that start before `minStart` (retention). */
  expire(minStart: number): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Session store: sessions `[start, end]` per key. */
export interface SessionStore<K, V> {
  readonly name: string;
  /** Sessions of `key` that overlap [earliestEnd, latestStart] (end >= earliestEnd and start <= latestStart). */
  findSessions(key: K, earliestEnd: number, latestStart: number): Iterable<[Window, V]> | AsyncIterable<[Window, V]>;
  put(key: K, window: Window, value: V): void;
  remove(key: K, window: Window): void;
  expire(minEnd: number): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

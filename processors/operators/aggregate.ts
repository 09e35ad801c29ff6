/**
 * aggregate / count / reduce: per key (or, after `windowed(def)`, per key and window) state in the
 * operator's store — a key-value store, or a window store for tumbling and hopping windows — in
 * memory or in Redis (`store: { backend: 'redis' }`), logged to the compacted changelog
 * `<app>-<store>-changelog` before the worker commits and restored from it by the task's state
 * manager before the first batch. One implementation for every backend (stores/store-operator.ts).
 *
 * Non-windowed results are a table's changelog stream: one update per input record.
 * Windowed results (hopping/tumbling, Kafka Streams' rules):
 * - stream time = the highest timestamp the task has seen (kept with the window store);
 * - a record updates window [s, e) only if e + grace > stream time; otherwise it is late: dropped,
 *   counted in `sluice_late_records_total` once per window it missed (Kafka's dropped-records
 *   metric counts per record and window), and written to `lateRecordsTopic` if given;
 * - emit 'update': every change; emit 'final': each window once, when e + grace <= stream time,
 *   ordered by window start, then key (Kafka's time-ordered window store); a result's timestamp
 *   is the largest in its window;
 * - the store keeps windows for its retention (default size + grace), closed ones included.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { sessionAggregate } from '../windows/session-aggregate.js';
import { slidingAggregate } from '../windows/sliding-aggregate.js';
import { sluiceOperator, storeNode, type BindContext, type SluiceOperator } from '../sluice-op.js';
import { retentionMs, type Materialized } from '../stores/materialized.js';
import { keyValueStore, windowStore } from '../stores/open.js';
import { storeOperator } from '../stores/store-operator.js';
import { lateRecordHandler, sharedWindow, windowedResult, type SharedWindow } from '../windows/window-common.js';
import type { Rec, Windowed } from '../types.js';
import { windowStarts, type HoppingWindowDef } from '../windows/window-def.js';
import type { Duration } from '../windows/duration.js';

export interface AggregateOptions {
  /** Store name (default: derived from the operator's position; keep it stable across releases). */
  name?: string;
  /** Windowed only: 'update' emits every change, 'final' each window once when it closes. */
  emit?: 'update' | 'final';
  /** Windowed only: where late records go (besides the metric). */
  lateRecordsTopic?: string;
  /**
   * Windowed only: how long the store keeps a window or session past the latest one (Kafka's
   * Materialized.withRetention, also `store.retention`; default size + grace for tumbling and
   * hopping windows, gap + grace for sessions, 2 × difference + grace for sliding windows, and no
   * less is accepted). Closed ones stay while retained, so later records can look them up.
   */
  retention?: Duration;
  /** Session windows only: combines the aggregates of two sessions that a record bridges. */
  merger?: (a: never, b: never) => unknown;
  /**
   * The store (Kafka's Materialized): backend — the task's memory (default) or Redis
   * (`{ backend: 'redis', url }` or an ioredis client as `redis`; keys under
   * `<prefix><partition>:`, prefix `<app>:<store>:`) —, key/value serdes, retention (windowed),
   * logging. Both backends log to the same changelog.
   */
  store?: Materialized;
}

type Adder<K, V, A> = (aggregate: A, value: V, record: Rec<K, V>) => A;

export function aggregate<K, V, A>(init: () => A, adder: Adder<K, V, A>, opts: AggregateOptions = {}): SluiceOperator<Rec<K, V>, Rec<K, A>> {
  return sluiceOperator<Rec<K, V>, Rec<K, A>>(aggregateNode('aggregate', init, adder, opts));
}

/** The node of count, reduce and aggregate: one store, windowed if `windowed(def)` came just before. */
function aggregateNode<K, V, A>(kind: string, init: () => A, adder: Adder<K, V, A>, opts: AggregateOptions, valueUnread = false) {
  return storeNode(kind, {
    storeName: opts.name ?? opts.store?.name,
    valueUnread,
    bind: (b, ctx) =>
      (b.window?.type === 'session'
        ? sessionAggregate(b, ctx, init, adder, opts.merger as ((a: A, b: A) => A) | undefined, opts)
        : b.window?.type === 'sliding'
          ? slidingAggregate(b, ctx, init, adder, opts)
          : b.window
          ? windowedAggregate(b, ctx, init, adder, opts)
          : keyedAggregate(b, ctx, init, adder, opts.store)) as OperatorFunction<unknown, unknown>,
  });
}

/**
 * A count never reads values: when nothing else in its sub-topology does, the source leaves them
 * undecoded (a value that would not deserialize is counted). With `lateRecordsTopic` it writes
 * late records' values, so it reads them.
 */
export function count<K, V>(opts: AggregateOptions = {}): SluiceOperator<Rec<K, V>, Rec<K, number>> {
  return sluiceOperator(aggregateNode<K, V, number>('count', () => 0, (n) => n + 1, { merger: ((a: number, b: number) => a + b) as (a: never, b: never) => unknown, ...opts }, !opts.lateRecordsTopic));
}

export function reduce<K, V>(fn: (acc: V, value: V) => V, opts: AggregateOptions = {}): SluiceOperator<Rec<K, V>, Rec<K, V>> {
  const NONE = Symbol('none');
  const combine = (acc: V, v: V) => ((acc as unknown) === NONE ? v : (v as unknown) === NONE ? acc : fn(acc, v));
  return sluiceOperator(aggregateNode<K, V, V>('reduce', () => NONE as unknown as V, combine, { merger: combine as (a: never, b: never) => unknown, ...opts }));
}

export function keyedAggregate<K, V, A>(b: BindContext, ctx: TaskContext, init: () => A, adder: Adder<K, V, A>, m: Materialized = {}, opts: { nullDeletes?: boolean } = {}): OperatorFunction<Rec<K, V>, Rec<K, A>> {
  const store = keyValueStore<K, A>(ctx, b.name, m as Materialized<K, A>);
  const keyText = store.keyText;
  return storeOperator<Rec<K, V>, Rec<K, A>>(ctx, store, {
    keyText: (r) => keyText(r.key),
    next(r, emit) {
      const k = keyText(r.key);
      const before = store.getText(k);
      const value = adder(before === undefined ? init() : before, r.value, r);
      if (opts.nullDeletes && (value === null || value === undefined)) {
        // A table's tombstone: the key is deleted, and the deletion flows on.
        store.deleteText(k);
        emit({ ...r, value: null as A });
        return;
      }
      store.putText(k, r.key, value);
      emit({ ...r, value });
    },
  });
}

/**
 * Tumbling and hopping windows in a window store. Final results are the windows whose start
 * passed `streamTime - size - grace` since the last batch: the stream time restored with the store
 * says which were emitted before a restart, so each is emitted once.
 */
function windowedAggregate<K, V, A>(b: BindContext, ctx: TaskContext, init: () => A, adder: Adder<K, V, A>, opts: AggregateOptions): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A>> {
  const def = b.window as HoppingWindowDef; // sessions and sliding windows have their own operators
  const emitMode = opts.emit ?? 'update';
  const m = (opts.store ?? {}) as Materialized<K, A>;
  const store = windowStore<K, A>(ctx, b.name, m, { size: def.size, retentionMs: retentionMs({ ...m, retention: m.retention ?? opts.retention }, def.size + def.grace) });
  const keyText = store.keyText;
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  // The shared window (with its key text) of each start that still gets results.
  const shared = new Map<number, SharedWindow>();
  let lastShared: SharedWindow | undefined;
  const windowAt = (start: number): SharedWindow => {
    if (lastShared?.window.start === start) return lastShared;
    let w = shared.get(start);
    if (!w) shared.set(start, (w = sharedWindow(start, start + def.size)));
    return (lastShared = w);
  };
  let streamTime = -1;
  let restored = false;
  /** Windows with start <= this were emitted (final mode). */
  let emittedUpTo = -Infinity;
  const begin = () => {
    restored = true;
    streamTime = store.streamTime;
    emittedUpTo = streamTime - def.size - def.grace;
  };
  const tumbling = def.advance === def.size;
  const one = [0];
  return storeOperator<Rec<K, V>, Rec<Windowed<K>, A>>(ctx, store, {
    keyText: (r) => keyText(r.key),
    next(r, emit) {
      if (!restored) begin();
      const ts = r.timestamp;
      if (ts > streamTime) streamTime = ts;
      const k = keyText(r.key);
      let starts: number[];
      if (tumbling) {
        one[0] = ts - (((ts % def.size) + def.size) % def.size);
        starts = one;
      } else starts = windowStarts(def, ts);
      for (const start of starts) {
        if (start < 0) continue;
        if (start + def.size + def.grace <= streamTime) {
          late(k, r, start, start + def.size); // counted per window, as Kafka's dropped-records metric
          continue;
        }
        const e = store.entry(k, r.key, start);
        e.value = adder(e.value === undefined ? init() : e.value, r.value, r);
        if (ts > e.ts) e.ts = ts;
        store.changed(e);
        if (emitMode === 'update') emit(windowedResult(ctx, e.key, windowAt(start), e.value, e.ts, r, k));
      }
    },
    async complete(emit) {
      if (!restored) begin();
      store.streamTime = streamTime;
      const limit = streamTime - def.size - def.grace; // start <= limit  <=>  end + grace <= stream time
      if (limit <= emittedUpTo) return;
      if (emitMode === 'final') {
        // Windows that can no longer change: each emitted once, ordered by start, then key (windows close in start order).
        for (const e of await store.range(emittedUpTo + 1, limit, true)) emit(windowedResult(ctx, e.key, windowAt(e.start), e.value as A, e.ts, null, e.keyText));
      }
      emittedUpTo = limit;
      for (const start of shared.keys()) if (start <= limit) shared.delete(start);
      lastShared = undefined;
    },
  });
}

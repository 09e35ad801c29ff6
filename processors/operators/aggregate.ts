/**
 * aggregate / count / reduce: per key (or, after `windowed(def)`, per key and window) state kept
 * in plain Maps, logged to the compacted changelog `<app>-<store>-changelog` at the end of every
 * batch (so the worker commits an offset only once its state change is durable) and restored from
 * it when the task starts.
 *
 * Non-windowed results are a table's changelog stream: one update per input record.
 * Windowed results (hopping/tumbling, Kafka Streams' rules):
 * - stream time = the highest timestamp the task has seen (kept in the changelog too);
 * - a record updates window [s, e) only if e + grace > stream time; otherwise it is late: dropped,
 *   counted in `sluice_late_records_total` once per window it missed (Kafka's dropped-records
 *   metric counts per record and window), and written to `lateRecordsTopic` if given;
 * - emit 'update': every change; emit 'final': each window once, when e + grace <= stream time,
 *   ordered by window start, then key (Kafka's time-ordered window store); a result's timestamp
 *   is the largest in its window.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { afterRestore, recordOperator } from '../operator.js';
import { sessionAggregate } from '../windows/session-aggregate.js';
import { slidingAggregate } from '../windows/sliding-aggregate.js';
import { sluiceOperator, storeNode, type BindContext, type SluiceOperator } from '../sluice-op.js';
import { changelogTopic, logChanges, readChangelog } from '../stores/changelog.js';
import { registerStore } from '../stores/registry.js';
import type { StoreBackendOptions } from '../stores/window-stores.js';
import { redisKeyedAggregate } from './keyed-aggregate-redis.js';
import { redisWindowedAggregate } from '../windows/windowed-aggregate-redis.js';
import { StoreBackendError } from '../errors.js';
import { compareKeyText, lateRecordHandler, sharedWindow, windowedResult, type SharedWindow } from '../windows/window-common.js';
import type { Rec, Windowed } from '../types.js';
import { TimeBuckets } from '../windows/time-buckets.js';
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
   * Session and sliding windows: how long the store keeps a session or window past the latest
   * one (Kafka's Materialized.withRetention; default gap + grace for sessions, 2 × difference +
   * grace for sliding windows, and no less is accepted). Closed sessions stay while retained, so a
   * late record that bridges one merges with it.
   */
  retention?: Duration;
  /** Session windows only: combines the aggregates of two sessions that a record bridges. */
  merger?: (a: never, b: never) => unknown;
  /**
   * Where the table lives: in the task's memory (default) or in Redis (`{ backend: 'redis', url }`
   * or an ioredis client as `redis`; keys `<prefix><partition>:<key JSON>`, prefix `<app>:<store>:`).
   * Both log to the same changelog. Non-windowed, tumbling and hopping aggregations.
   */
  store?: StoreBackendOptions;
}

type Adder<K, V, A> = (aggregate: A, value: V, record: Rec<K, V>) => A;

const STREAM_TIME_KEY = '"__streamTime"';

export function aggregate<K, V, A>(init: () => A, adder: Adder<K, V, A>, opts: AggregateOptions = {}): SluiceOperator<Rec<K, V>, Rec<K, A>> {
  return sluiceOperator<Rec<K, V>, Rec<K, A>>(aggregateNode('aggregate', init, adder, opts));
}

/** The node of count, reduce and aggregate: one store, windowed if `windowed(def)` came just before. */
function aggregateNode<K, V, A>(kind: string, init: () => A, adder: Adder<K, V, A>, opts: AggregateOptions) {
  return storeNode(kind, {
    storeName: opts.name,
    check: (b) => {
      // Checked when the pipeline is defined (pipe()), so the app fails before it starts.
      if (opts.store?.backend === 'redis' && b.window && b.window.type !== 'hopping') throw new StoreBackendError(b.name, `a ${b.window.type}-windowed aggregation keeps its windows in memory (with a changelog); a Redis store serves non-windowed, tumbling and hopping aggregations: remove store: { backend: 'redis' }`);
    },
    bind: (b, ctx) =>
      (opts.store?.backend === 'redis'
        ? b.window
          ? redisWindowedAggregate(b, ctx, init, adder, opts.store, opts)
          : redisKeyedAggregate(b, ctx, init, adder, opts.store)
        : b.window?.type === 'session'
        ? sessionAggregate(b, ctx, init, adder, opts.merger as ((a: A, b: A) => A) | undefined, opts)
        : b.window?.type === 'sliding'
          ? slidingAggregate(b, ctx, init, adder, opts)
          : b.window
          ? windowedAggregate(b, ctx, init, adder, opts)
          : keyedAggregate(b, ctx, init, adder)) as OperatorFunction<unknown, unknown>,
  });
}

export function count<K, V>(opts: AggregateOptions = {}): SluiceOperator<Rec<K, V>, Rec<K, number>> {
  return sluiceOperator(aggregateNode<K, V, number>('count', () => 0, (n) => n + 1, { merger: ((a: number, b: number) => a + b) as (a: never, b: never) => unknown, ...opts }));
}

export function reduce<K, V>(fn: (acc: V, value: V) => V, opts: AggregateOptions = {}): SluiceOperator<Rec<K, V>, Rec<K, V>> {
  const NONE = Symbol('none');
  const combine = (acc: V, v: V) => ((acc as unknown) === NONE ? v : (v as unknown) === NONE ? acc : fn(acc, v));
  return sluiceOperator(aggregateNode<K, V, V>('reduce', () => NONE as unknown as V, combine, { merger: combine as (a: never, b: never) => unknown, ...opts }));
}

export function keyedAggregate<K, V, A>(b: BindContext, ctx: TaskContext, init: () => A, adder: Adder<K, V, A>, opts: { nullDeletes?: boolean } = {}): OperatorFunction<Rec<K, V>, Rec<K, A>> {
  const topic = changelogTopic(b.appId, b.name);
  const state = new Map<string, { key: K; value: A }>();
  const dirty = new Set<string>();
  registerStore(ctx, b.name, () => [...state.values()].map((e) => [e.key, e.value]));
  const restore = readChangelog(ctx, topic).then((entries) => {
    for (const [k, v] of entries) if (v !== null) state.set(k, { key: JSON.parse(k) as K, value: JSON.parse(v.toString('utf8')) as A });
  });
  const op = recordOperator<Rec<K, V>, Rec<K, A>>(ctx, {
    next(r, emit) {
      const k = JSON.stringify(r.key);
      const e = state.get(k);
      const value = adder(e ? e.value : init(), r.value, r);
      dirty.add(k);
      if (opts.nullDeletes && (value === null || value === undefined)) {
        // A table's tombstone: the key is deleted, and the deletion flows on.
        state.delete(k);
        emit({ ...r, value: null as A });
        return;
      }
      if (e) e.value = value;
      else state.set(k, { key: r.key, value });
      emit({ ...r, value });
    },
    complete() {
      logChanges(ctx, topic, [...dirty].map((k) => [k, state.has(k) ? JSON.stringify(state.get(k)!.value) : null] as [string, string | null]));
      dirty.clear();
    },
  });
  return afterRestore(restore, op);
}

interface WindowEntry<K, A> {
  key: K;
  keyJson: string;
  start: number;
  value: A;
  maxTs: number;
  /** Whether the changelog holds this window: one created and closed within a batch never reaches it. */
  logged: boolean;
  /** Changed in this batch and still open (listed in `dirty`; cleared when the window closes). */
  dirty: boolean;
}

const changelogKey = (e: { keyJson: string; start: number }) => JSON.stringify([e.keyJson, e.start]);

/** The windows of one start, and the window (with its key text) that their results share. */
interface WindowBucket<K, A> {
  readonly entries: Map<string, WindowEntry<K, A>>;
  readonly shared: SharedWindow;
}

/**
 * Windows are kept per window start, then per key: closing windows touches only the buckets
 * whose end + grace has passed (not every open window each batch), and a record of a tumbling
 * window usually lands in the bucket the previous record used.
 */
function windowedAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: Adder<K, V, A>,
  opts: AggregateOptions,
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A>> {
  const def = b.window as HoppingWindowDef; // sessions go to sessionAggregate
  const emitMode = opts.emit ?? 'update';
  const topic = changelogTopic(b.appId, b.name);
  const buckets = new TimeBuckets<WindowBucket<K, A>>((start) => ({ entries: new Map(), shared: sharedWindow(start, start + def.size) }));
  const dirty: Array<WindowEntry<K, A>> = [];
  let streamTime = -1;
  let streamTimeDirty = false;
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  registerStore(ctx, b.name, () => [...buckets.values()].flatMap((bucket) => [...bucket.entries.values()].map((e) => [{ key: e.key, window: { start: e.start, end: e.start + def.size } }, e.value] as [unknown, unknown])));
  const restore = readChangelog(ctx, topic).then((entries) => {
    for (const [k, v] of entries) {
      if (v === null) continue;
      if (k === STREAM_TIME_KEY) {
        streamTime = Number(v.toString('utf8'));
        continue;
      }
      const [keyJson, start] = JSON.parse(k) as [string, number];
      const { v: value, t } = JSON.parse(v.toString('utf8')) as { v: A; t: number };
      buckets.at(start).entries.set(keyJson, { key: JSON.parse(keyJson) as K, keyJson, start, value, maxTs: t, logged: true, dirty: false });
    }
  });
  const result = (e: WindowEntry<K, A>, bucket: WindowBucket<K, A>, origin: Rec<K, V> | null) => windowedResult(ctx, e.key, bucket.shared, e.value, e.maxTs, origin, e.keyJson);
  const tumbling = def.advance === def.size;
  const one = [0];
  const op = recordOperator<Rec<K, V>, Rec<Windowed<K>, A>>(ctx, {
    next(r, emit) {
      const ts = r.timestamp;
      if (ts > streamTime) {
        streamTime = ts;
        streamTimeDirty = true;
      }
      const keyJson = JSON.stringify(r.key);
      let starts: number[];
      if (tumbling) {
        one[0] = ts - (((ts % def.size) + def.size) % def.size);
        starts = one;
      } else starts = windowStarts(def, ts);
      for (const start of starts) {
        if (start < 0) continue;
        if (start + def.size + def.grace <= streamTime) {
          late(keyJson, r, `[${start},${start + def.size})`);
          continue;
        }
        const bucket = buckets.at(start);
        let e = bucket.entries.get(keyJson);
        if (!e) {
          e = { key: r.key, keyJson, start, value: init(), maxTs: ts, logged: false, dirty: false };
          bucket.entries.set(keyJson, e);
        }
        e.value = adder(e.value, r.value, r);
        if (ts > e.maxTs) e.maxTs = ts;
        if (!e.dirty) {
          e.dirty = true;
          dirty.push(e);
        }
        if (emitMode === 'update') emit(result(e, bucket, r));
      }
    },
    complete(emit) {
      // Windows that can no longer change: emitted once (final mode, ordered by start, then key;
      // emitting at the end of the batch gives Kafka's order, since windows close in start order) and dropped.
      const changes: Array<[string, string | null]> = [];
      for (const start of buckets.starts()) {
        if (start + def.size + def.grace > streamTime) break; // this window and every later one is open
        const bucket = buckets.get(start)!;
        buckets.delete(start);
        const entries = emitMode === 'final' ? [...bucket.entries.values()].sort((x, y) => compareKeyText(x.keyJson, y.keyJson)) : bucket.entries.values();
        for (const e of entries) {
          if (emitMode === 'final') emit(result(e, bucket, null));
          e.dirty = false; // dropped: not logged below
          if (e.logged) changes.push([changelogKey(e), null]);
        }
      }
      for (const e of dirty) {
        if (!e.dirty) continue;
        e.dirty = false;
        e.logged = true;
        changes.push([changelogKey(e), JSON.stringify({ v: e.value, t: e.maxTs })]);
      }
      dirty.length = 0;
      if (streamTimeDirty) changes.push([STREAM_TIME_KEY, String(streamTime)]);
      streamTimeDirty = false;
      logChanges(ctx, topic, changes);
    },
  });
  return afterRestore(restore, op);
}

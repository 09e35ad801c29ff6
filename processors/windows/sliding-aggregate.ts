/**
 * Sliding-window aggregation, as Kafka Streams' KStreamSlidingWindowAggregate does it (maximum
 * time difference d, both window ends inclusive; docs/architecture.md, "Stream-processing semantics"):
 * - a record at t is late (dropped, counted once) if t + d + grace < stream time;
 * - otherwise it updates, in arrival order, every existing window of its key that contains it
 *   (newest first), and creates the windows it needs: its left window [t − d, t] (seeded with the
 *   aggregate of the window just before it when the previous record lies in it), the previous
 *   record's right window if it now holds a record, and its own right window [t + 1, t + 1 + d]
 *   only if a later record is already there (then seeded with that window's aggregate). Records
 *   with t < d share the window [0, d]. Aggregates are never recomputed from the records: an
 *   out-of-order record is applied after the records already in a window, as Kafka applies it;
 * - a window is updated only while end + grace >= stream time; a record that finds one of its
 *   windows closed counts a drop for that window;
 * - emit 'update': every window the record changed or created, in that order; a record's right
 *   window is emitted once, when the record creates it (the record is not in it). 'final': each
 *   window once, when end + grace < stream time, ordered by start, then key;
 * - windows stay in the store for its retention (2d + grace past the largest window start put,
 *   Kafka's default, or `retention`), closed ones included, since new windows are seeded from them.
 * Windows live in the operator's window store (memory or Redis), with the task's stream time.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { BindContext } from '../sluice-op.js';
import type { Materialized } from '../stores/materialized.js';
import { windowStore } from '../stores/open.js';
import { storeOperator } from '../stores/store-operator.js';
import type { WindowEntry } from '../stores/window-store.js';
import type { Rec, Windowed } from '../types.js';
import type { SlidingWindowDef } from './window-def.js';
import { lateRecordHandler, windowedResult } from './window-common.js';
import { windowRetention } from './session-aggregate.js';
import type { Duration } from './duration.js';

/** A window as the algorithm sees it: one in the store, or a new one not yet put. */
interface Win<A> {
  start: number;
  value: A;
  /** The largest record timestamp in the window. */
  ts: number;
}

/** A window's aggregate and largest timestamp as read before an update (Kafka's ValueAndTimestamp). */
interface Snapshot<A> {
  value: A;
  maxTs: number;
}

/** A copy of an aggregate for a second window: an adder may change its accumulator in place. */
const copy = <A>(a: A): A => (a === null || typeof a !== 'object' ? a : structuredClone(a));

export function slidingAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: (agg: A, value: V, record: Rec<K, V>) => A,
  opts: { emit?: 'update' | 'final'; lateRecordsTopic?: string; retention?: Duration; store?: Materialized },
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A>> {
  const { maxDifference: d, grace } = b.window as SlidingWindowDef;
  const retention = windowRetention(`sliding aggregation "${b.name}"`, 2 * d + grace, opts.store?.retention ?? opts.retention);
  const emitMode = opts.emit ?? 'update';
  const store = windowStore<K, A>(ctx, b.name, (opts.store ?? {}) as Materialized<K, A>, { size: d, retentionMs: retention, byKey: true });
  const keyText = store.keyText;
  let streamTime = -Infinity;
  // Windows with start <= this were emitted in final mode.
  let emittedUpTo = -Infinity;
  let restored = false;
  const begin = () => {
    restored = true;
    streamTime = store.streamTime < 0 ? -Infinity : store.streamTime;
    emittedUpTo = streamTime - grace - d - 1;
  };
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  const result = (e: WindowEntry<K, A>, origin: Rec<K, V> | null): Rec<Windowed<K>, A> => windowedResult(ctx, e.key, { start: e.start, end: e.start + d }, e.value as A, e.ts, origin, e.keyText);

  return storeOperator<Rec<K, V>, Rec<Windowed<K>, A>>(ctx, store, {
    keyText: (r) => keyText(r.key),
    next(r, emit) {
      if (!restored) begin();
      const t = r.timestamp;
      if (t > streamTime) streamTime = t;
      const closeTime = streamTime - grace;
      const k = keyText(r.key);
      if (t + d < closeTime) return late(k, r, t, t + d, true);
      const floor = store.observedTime - retention; // the store shows windows with start > floor
      /** Puts a window (a store put replaces one of the same start: Kafka puts and emits it twice when two coincide). */
      const put = (w: Win<A>): WindowEntry<K, A> => {
        const e = store.entry(k, r.key, w.start);
        e.value = w.value;
        e.ts = w.ts;
        store.changed(e);
        return e;
      };
      /** Kafka's updateWindowAndForward: the record goes into the window if it is still open. */
      const update = (w: Win<A>) => {
        if (w.start + d < closeTime) return late(k, r, w.start, w.start + d, true);
        w.value = adder(w.value, r.value, r);
        if (t > w.ts) w.ts = t;
        const e = put(w);
        if (emitMode === 'update') emit(result(e, r));
      };
      /** A new window holding only the record (after update()). */
      const fresh = (start: number): Win<A> => ({ start, value: init(), ts: t });
      /** The record's right window, seeded with the records after it that `agg` holds. */
      const createRightWindow = (agg: Snapshot<A>) => {
        const e = put({ start: t + 1, value: copy(agg.value), ts: agg.maxTs });
        if (emitMode === 'update') emit(result(e, r));
      };
      const starts = new Set<number>();
      let rightAgg: Snapshot<A> | null = null;
      let rightCreated = false;
      let previous: number | null = null;
      if (t < d) {
        // Early records share [0, d] (no window starts before 0); Kafka's processEarly.
        let combined: Win<A> | null = null;
        let combinedSnap: Snapshot<A> | null = null;
        for (const w of store.windowsOf(k, Math.max(0, floor + 1), t + 1) as Array<Win<A>>) {
          starts.add(w.start);
          if (w.start === 0) {
            combined = w;
            combinedSnap = { value: w.value, maxTs: w.ts };
            if (w.ts < t) previous = w.ts;
          } else if (w.start <= t) {
            rightAgg = { value: copy(w.value), maxTs: w.ts };
            update(w);
          } else if (w.start === t + 1) rightCreated = true;
        }
        if (rightAgg === null && combinedSnap !== null && combinedSnap.maxTs > t) rightAgg = { value: copy(combinedSnap.value), maxTs: combinedSnap.maxTs };
        if (!rightCreated && rightAgg !== null && rightAgg.maxTs > t) createRightWindow(rightAgg);
        if (previous !== null && !starts.has(previous + 1)) update(fresh(previous + 1));
        update(combined ?? fresh(0));
        return;
      }
      // Kafka's processReverse: the windows starting in [t − 2d, t + 1], newest first.
      let leftAgg: Snapshot<A> | null = null;
      let leftCreated = false;
      for (const w of (store.windowsOf(k, Math.max(0, t - 2 * d, floor + 1), t + 1) as Array<Win<A>>).reverse()) {
        starts.add(w.start);
        const end = w.start + d;
        if (w.start === t + 1) rightCreated = true;
        else if (end > t) {
          rightAgg ??= { value: copy(w.value), maxTs: w.ts };
          update(w);
        } else if (end === t) {
          leftCreated = true;
          const maxTs = w.ts;
          update(w);
          if (maxTs < t) previous = maxTs;
          else return; // a record at t was there already: every window it needs exists
        } else {
          leftAgg = { value: w.value, maxTs: w.ts };
          previous = w.ts;
          break;
        }
      }
      // Kafka's createWindows.
      if (previous !== null && !starts.has(previous + 1) && previous + 1 + d >= t) update(fresh(previous + 1));
      if (!leftCreated) {
        const left = fresh(t - d);
        if (previous !== null && t - d <= previous && leftAgg !== null) left.value = copy(leftAgg.value);
        update(left);
      }
      if (!rightCreated && rightAgg !== null && rightAgg.maxTs > t) createRightWindow(rightAgg);
    },
    async complete(emit) {
      if (!restored) begin();
      store.streamTime = streamTime;
      // Final mode: each window once, when end + grace < stream time, by start, then key. Windows
      // close in start order, so emitting per batch gives the order Kafka gives per record.
      const upTo = streamTime - grace - d - 1; // start <= upTo  <=>  start + d + grace < stream time
      if (upTo <= emittedUpTo) return;
      if (emitMode === 'final') for (const e of await store.range(emittedUpTo + 1, upTo, true)) emit(result(e, null));
      emittedUpTo = upTo;
    },
  });
}

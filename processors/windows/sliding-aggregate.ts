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
 * Windows and the clocks are logged to the changelog at the end of every batch.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { afterRestore, recordOperator } from '../operator.js';
import type { BindContext } from '../sluice-op.js';
import { changelogTopic, logChanges, readChangelog } from '../stores/changelog.js';
import { registerStore } from '../stores/registry.js';
import type { Rec, Windowed } from '../types.js';
import type { SlidingWindowDef } from './window-def.js';
import { compareKeyText, lateRecordHandler, windowedResult } from './window-common.js';
import { windowRetention } from './session-aggregate.js';
import type { Duration } from './duration.js';

interface Win<A> {
  start: number;
  value: A;
  /** The largest record timestamp in the window. */
  maxTs: number;
  /** Emitted by 'final' (or closed before a restart). */
  dirty: boolean;
}

interface KeyWindows<K, A> {
  key: K;
  keyJson: string;
  /** Ascending by start. */
  windows: Array<Win<A>>;
}

/** A window's aggregate and largest timestamp as read before an update (Kafka's ValueAndTimestamp). */
interface Snapshot<A> {
  value: A;
  maxTs: number;
}

const TIMES_KEY = '"__times"';
const OLD_STREAM_TIME_KEY = '"__streamTime"';

/** A copy of an aggregate for a second window: an adder may change its accumulator in place. */
const copy = <A>(a: A): A => (a === null || typeof a !== 'object' ? a : structuredClone(a));

export function slidingAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: (agg: A, value: V, record: Rec<K, V>) => A,
  opts: { emit?: 'update' | 'final'; lateRecordsTopic?: string; retention?: Duration },
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A>> {
  const { maxDifference: d, grace } = b.window as SlidingWindowDef;
  const retention = windowRetention(`sliding aggregation "${b.name}"`, 2 * d + grace, opts.retention);
  const emitMode = opts.emit ?? 'update';
  const topic = changelogTopic(b.appId, b.name);
  const byKey = new Map<string, KeyWindows<K, A>>();
  const changed = new Set<[KeyWindows<K, A>, Win<A>]>();
  const changes: Array<[string, string | null]> = [];
  let streamTime = -Infinity;
  // The largest window start put (Kafka's window store's observed stream time): windows with
  // start <= storeTime − retention are gone.
  let storeTime = -Infinity;
  // Windows with start <= this were emitted in final mode.
  let emittedUpTo = -Infinity;
  let timesDirty = false;
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  registerStore(ctx, b.name, () => [...byKey.values()].flatMap((kw) => kw.windows.map((w) => [{ key: kw.key, window: { start: w.start, end: w.start + d } }, w.value] as [unknown, unknown])));
  const windowKey = (kw: KeyWindows<K, A>, start: number) => JSON.stringify([kw.keyJson, start]);

  const restore = readChangelog(ctx, topic).then((entries) => {
    let times: { s: number; w: number; e: number } | null = null;
    let ignored = 0;
    for (const [k, v] of entries) {
      if (v === null) continue;
      if (k === TIMES_KEY) {
        times = JSON.parse(v.toString('utf8')) as { s: number; w: number; e: number };
        continue;
      }
      if (k === OLD_STREAM_TIME_KEY) {
        streamTime = Math.max(streamTime, Number(v.toString('utf8')));
        continue;
      }
      const parsed = JSON.parse(k) as [string, number] | [string, number, number];
      if (parsed.length !== 2) {
        ignored++; // a record logged by the version that recomputed windows from records
        continue;
      }
      const [keyJson, start] = parsed;
      const { v: value, t } = JSON.parse(v.toString('utf8')) as { v: A; t: number };
      let kw = byKey.get(keyJson);
      if (!kw) byKey.set(keyJson, (kw = { key: JSON.parse(keyJson) as K, keyJson, windows: [] }));
      kw.windows.push({ start, value, maxTs: t, dirty: false });
      storeTime = Math.max(storeTime, start);
    }
    if (ignored > 0) ctx.logger.warn('sliding aggregation: changelog entries of an older format were ignored; its windows start afresh', { topic, ignored });
    for (const kw of byKey.values()) kw.windows.sort((x, y) => x.start - y.start);
    if (times) {
      // JSON has no -Infinity: a clock that had not moved reads back as null.
      streamTime = times.s ?? -Infinity;
      storeTime = times.w ?? -Infinity;
      emittedUpTo = times.e ?? -Infinity;
    } else emittedUpTo = streamTime - grace - d - 1;
  });

  const result = (kw: KeyWindows<K, A>, w: Win<A>, origin: Rec<K, V> | null): Rec<Windowed<K>, A> =>
    windowedResult(ctx, kw.key, { start: w.start, end: w.start + d }, w.value, w.maxTs, origin, kw.keyJson);

  const put = (kw: KeyWindows<K, A>, w: Win<A>) => {
    if (w.start > storeTime) {
      storeTime = w.start;
      timesDirty = true;
    }
    if (!w.dirty) {
      w.dirty = true;
      changed.add([kw, w]);
    }
  };
  /**
   * Adds a new window to the key's list, in start order. A window of the same start is replaced,
   * as a store put replaces it: the previous record's right window and the record's left window
   * are one window when they are exactly d + 1 apart, and Kafka puts (and emits) it twice.
   */
  const insert = (kw: KeyWindows<K, A>, w: Win<A>) => {
    const ws = kw.windows;
    let i = ws.length;
    while (i > 0 && ws[i - 1]!.start > w.start) i--;
    if (i > 0 && ws[i - 1]!.start === w.start) ws[i - 1] = w;
    else ws.splice(i, 0, w);
  };

  const op = recordOperator<Rec<K, V>, Rec<Windowed<K>, A>>(ctx, {
    next(r, emit) {
      const t = r.timestamp;
      if (t > streamTime) {
        streamTime = t;
        timesDirty = true;
      }
      const closeTime = streamTime - grace;
      const keyJson = JSON.stringify(r.key);
      if (t + d < closeTime) return late(keyJson, r, `[${t},${t + d}]`);
      let kw = byKey.get(keyJson);
      if (!kw) byKey.set(keyJson, (kw = { key: r.key, keyJson, windows: [] }));
      const keyWindows = kw;
      const floor = storeTime - retention; // the store shows windows with start > floor
      /** Kafka's updateWindowAndForward: the record goes into the window if it is still open. */
      const update = (w: Win<A>, isNew: boolean) => {
        if (w.start + d < closeTime) return late(keyJson, r, `[${w.start},${w.start + d}]`);
        w.value = adder(w.value, r.value, r);
        if (t > w.maxTs) w.maxTs = t;
        if (isNew) insert(keyWindows, w);
        put(keyWindows, w);
        if (emitMode === 'update') emit(result(keyWindows, w, r));
      };
      /** A new window holding only the record (after update()). */
      const fresh = (start: number): Win<A> => ({ start, value: init(), maxTs: t, dirty: false });
      /** The record's right window, seeded with the records after it that `agg` holds. */
      const createRightWindow = (agg: Snapshot<A>) => {
        const w: Win<A> = { start: t + 1, value: copy(agg.value), maxTs: agg.maxTs, dirty: false };
        insert(keyWindows, w);
        put(keyWindows, w);
        if (emitMode === 'update') emit(result(keyWindows, w, r));
      };
      const starts = new Set<number>();
      let rightAgg: Snapshot<A> | null = null;
      let rightCreated = false;
      let previous: number | null = null;
      const ws = kw.windows;
      if (t < d) {
        // Early records share [0, d] (no window starts before 0); Kafka's processEarly.
        let combined: Win<A> | null = null;
        let combinedSnap: Snapshot<A> | null = null;
        const lo = Math.max(0, floor + 1);
        for (const w of ws.filter((x) => x.start >= lo && x.start <= t + 1)) {
          starts.add(w.start);
          if (w.start === 0) {
            combined = w;
            combinedSnap = { value: w.value, maxTs: w.maxTs };
            if (w.maxTs < t) previous = w.maxTs;
          } else if (w.start <= t) {
            rightAgg = { value: copy(w.value), maxTs: w.maxTs };
            update(w, false);
          } else if (w.start === t + 1) rightCreated = true;
        }
        if (rightAgg === null && combinedSnap !== null && combinedSnap.maxTs > t) rightAgg = { value: copy(combinedSnap.value), maxTs: combinedSnap.maxTs };
        if (!rightCreated && rightAgg !== null && rightAgg.maxTs > t) createRightWindow(rightAgg);
        if (previous !== null && !starts.has(previous + 1)) update(fresh(previous + 1), true);
        if (combined === null) update(fresh(0), true);
        else update(combined, false);
        return;
      }
      // Kafka's processReverse: the windows starting in [t − 2d, t + 1], newest first.
      let leftAgg: Snapshot<A> | null = null;
      let leftCreated = false;
      const lo = Math.max(0, t - 2 * d, floor + 1);
      for (const w of ws.filter((x) => x.start >= lo && x.start <= t + 1).reverse()) {
        starts.add(w.start);
        const end = w.start + d;
        if (w.start === t + 1) rightCreated = true;
        else if (end > t) {
          rightAgg ??= { value: copy(w.value), maxTs: w.maxTs };
          update(w, false);
        } else if (end === t) {
          leftCreated = true;
          const maxTs = w.maxTs;
          update(w, false);
          if (maxTs < t) previous = maxTs;
          else return; // a record at t was there already: every window it needs exists
        } else {
          leftAgg = { value: w.value, maxTs: w.maxTs };
          previous = w.maxTs;
          break;
        }
      }
      // Kafka's createWindows.
      if (previous !== null && !starts.has(previous + 1) && previous + 1 + d >= t) update(fresh(previous + 1), true);
      if (!leftCreated) {
        const left = fresh(t - d);
        if (previous !== null && t - d <= previous && leftAgg !== null) left.value = copy(leftAgg.value);
        update(left, true);
      }
      if (!rightCreated && rightAgg !== null && rightAgg.maxTs > t) createRightWindow(rightAgg);
    },
    complete(emit) {
      // Final mode: each window once, when end + grace < stream time, by start, then key. Windows
      // close in start order, so emitting per batch gives the order Kafka gives per record.
      const upTo = streamTime - grace - d - 1; // start <= upTo  <=>  start + d + grace < stream time
      if (emitMode === 'final' && upTo > emittedUpTo) {
        const closed: Array<[KeyWindows<K, A>, Win<A>]> = [];
        for (const kw of byKey.values()) for (const w of kw.windows) if (w.start > emittedUpTo && w.start <= upTo) closed.push([kw, w]);
        closed.sort((x, y) => x[1].start - y[1].start || compareKeyText(x[0].keyJson, y[0].keyJson));
        for (const [kw, w] of closed) emit(result(kw, w, null));
      }
      if (upTo > emittedUpTo) {
        emittedUpTo = upTo;
        timesDirty = true;
      }
      for (const [kw, w] of changed) {
        w.dirty = false;
        changes.push([windowKey(kw, w.start), JSON.stringify({ v: w.value, t: w.maxTs })]);
      }
      changed.clear();
      // Windows past the store's retention are dropped (tombstones in the changelog).
      const floor = storeTime - retention;
      for (const [keyJson, kw] of byKey) {
        let n = 0;
        while (n < kw.windows.length && kw.windows[n]!.start <= floor) changes.push([windowKey(kw, kw.windows[n++]!.start), null]);
        if (n > 0) kw.windows.splice(0, n);
        if (kw.windows.length === 0) byKey.delete(keyJson);
      }
      if (timesDirty) {
        changes.push([TIMES_KEY, JSON.stringify({ s: streamTime, w: storeTime, e: emittedUpTo })]);
        timesDirty = false;
      }
      logChanges(ctx, topic, changes.splice(0));
    },
  });
  return afterRestore(restore, op);
}

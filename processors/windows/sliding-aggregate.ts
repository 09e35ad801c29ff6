/**
 * Sliding-window aggregation (Kafka Streams' SlidingWindows; docs/architecture.md, "Stream-processing semantics"), maximum time
 * difference d:
 * - a record at t gets the window [t − d, t] (both ends inclusive; records with t < d share
 *   [0, d]), and [t + 1, t + 1 + d] exists only when a record falls in it;
 * - every window holds the aggregate of the records whose timestamps lie in it;
 * - a window is updated only while end + grace >= stream time; a record that reaches no open
 *   window is late (dropped, counted);
 * - emit 'update': every changed window; 'final': each window once, when end + grace < stream
 *   time, ordered by start, then key.
 * The records within reach (2d + grace behind stream time) are kept per key and logged to the
 * changelog; windows are recomputed from them, so a restart rebuilds them exactly.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { afterRestore, recordOperator } from '../operator.js';
import type { BindContext } from '../sluice-op.js';
import { changelogTopic, logChanges, readChangelog } from '../stores/changelog.js';
import { registerStore } from '../stores/registry.js';
import type { Rec, Windowed } from '../types.js';
import type { SlidingWindowDef } from './window-def.js';
import { lateRecordHandler, windowedResult } from './window-common.js';

interface Stored<V> {
  ts: number;
  value: V;
  id: string;
}

interface Win<A> {
  start: number;
  end: number;
  value: A;
  maxTs: number;
}

const STREAM_TIME_KEY = '"__streamTime"';

export function slidingAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: (agg: A, value: V, record: Rec<K, V>) => A,
  opts: { emit?: 'update' | 'final'; lateRecordsTopic?: string },
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A>> {
  const { maxDifference: d, grace } = b.window as SlidingWindowDef;
  const emitMode = opts.emit ?? 'update';
  const topic = changelogTopic(b.appId, b.name);
  const records = new Map<string, Array<Stored<V>>>();
  const windows = new Map<string, Map<number, Win<A>>>();
  const keys = new Map<string, K>();
  const logged: Array<[string, string | null]> = [];
  let streamTime = -1;
  let seq = 0;
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  registerStore(ctx, b.name, () => [...windows].flatMap(([k, ws]) => [...ws.values()].map((w) => [{ key: keys.get(k), window: { start: w.start, end: w.end } }, w.value] as [unknown, unknown])));

  const leftWindow = (t: number): [number, number] => (t >= d ? [t - d, t] : [0, d]);
  const compute = (keyJson: string, start: number, end: number): Win<A> => {
    let value = init();
    let maxTs = -1;
    const key = keys.get(keyJson) as K;
    for (const r of records.get(keyJson) ?? []) {
      if (r.ts < start || r.ts > end) continue;
      value = adder(value, r.value, { key, value: r.value, timestamp: r.ts, headers: {}, topic: '', partition: ctx.partition, offset: -1 });
      if (r.ts > maxTs) maxTs = r.ts;
    }
    return { start, end, value, maxTs };
  };

  const restore = readChangelog(ctx, topic).then((entries) => {
    for (const [k, v] of entries) {
      if (v === null) continue;
      if (k === STREAM_TIME_KEY) {
        streamTime = Number(v.toString('utf8'));
        continue;
      }
      const [keyJson, ts, n] = JSON.parse(k) as [string, number, number];
      const list = records.get(keyJson) ?? [];
      list.push({ ts, value: JSON.parse(v.toString('utf8')) as V, id: k });
      records.set(keyJson, list);
      keys.set(keyJson, JSON.parse(keyJson) as K);
      if (n >= seq) seq = n + 1;
    }
    // Open windows come back from the records: every record's left window and non-empty right window.
    for (const [keyJson, list] of records) {
      list.sort((x, y) => x.ts - y.ts);
      const ws = new Map<number, Win<A>>();
      for (const r of list) {
        const [ls, le] = leftWindow(r.ts);
        if (le + grace >= streamTime) ws.set(ls, compute(keyJson, ls, le));
        if (r.ts + 1 + d + grace >= streamTime && list.some((s) => s.ts > r.ts && s.ts <= r.ts + 1 + d)) ws.set(r.ts + 1, compute(keyJson, r.ts + 1, r.ts + 1 + d));
      }
      windows.set(keyJson, ws);
    }
  });

  const result = (keyJson: string, w: Win<A>, origin: Rec<K, V> | null): Rec<Windowed<K>, A> =>
    windowedResult(ctx, keys.get(keyJson) as K, { start: w.start, end: w.end }, w.value, w.maxTs, origin, keyJson);

  const op = recordOperator<Rec<K, V>, Rec<Windowed<K>, A>>(ctx, {
    next(r, emit) {
      const t = r.timestamp;
      if (t > streamTime) {
        streamTime = t;
        logged.push([STREAM_TIME_KEY, String(streamTime)]);
      }
      const keyJson = JSON.stringify(r.key);
      keys.set(keyJson, r.key);
      const list = records.get(keyJson) ?? [];
      // The windows this record belongs to (or opens): its own left and right windows, the left
      // windows of records up to d after it, the right windows of records up to d + 1 before it.
      const candidates = new Map<number, number>();
      const [ls, le] = leftWindow(t);
      candidates.set(ls, le);
      if (list.some((s) => s.ts > t && s.ts <= t + 1 + d)) candidates.set(t + 1, t + 1 + d);
      for (const s of list) {
        const [sls, sle] = leftWindow(s.ts);
        if (t >= sls && t <= sle) candidates.set(sls, sle);
        if (t >= s.ts + 1 && t <= s.ts + 1 + d) candidates.set(s.ts + 1, s.ts + 1 + d);
      }
      // Windows start at 0: a record with a negative timestamp belongs to none (as in Kafka).
      const open = t < 0 ? [] : [...candidates].filter(([, end]) => end + grace >= streamTime);
      if (open.length === 0) return late(keyJson, r);
      const id = JSON.stringify([keyJson, t, seq++]);
      const at = list.findIndex((s) => s.ts > t);
      list.splice(at < 0 ? list.length : at, 0, { ts: t, value: r.value, id });
      records.set(keyJson, list);
      logged.push([id, JSON.stringify(r.value)]);
      const ws = windows.get(keyJson) ?? new Map<number, Win<A>>();
      windows.set(keyJson, ws);
      for (const [start, end] of open.sort((x, y) => x[0] - y[0])) {
        const w = compute(keyJson, start, end);
        ws.set(start, w);
        if (emitMode === 'update') emit(result(keyJson, w, r));
      }
    },
    complete(emit) {
      const closed: Array<[string, Win<A>]> = [];
      for (const [keyJson, ws] of windows) {
        for (const [start, w] of ws) {
          if (w.end + grace < streamTime) {
            closed.push([keyJson, w]);
            ws.delete(start);
          }
        }
        if (ws.size === 0) windows.delete(keyJson);
      }
      closed.sort((x, y) => x[1].start - y[1].start || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      if (emitMode === 'final') for (const [keyJson, w] of closed) emit(result(keyJson, w, null));
      // Records no open or future window can reach any more are forgotten.
      const horizon = streamTime - 2 * d - grace - 1;
      for (const [keyJson, list] of records) {
        const keep = list.filter((s) => {
          if (s.ts >= horizon) return true;
          logged.push([s.id, null]);
          return false;
        });
        if (keep.length) records.set(keyJson, keep);
        else records.delete(keyJson);
      }
      logChanges(ctx, topic, logged.splice(0));
    },
  });
  return afterRestore(restore, op);
}

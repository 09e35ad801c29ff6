/**
 * Session-windowed aggregation, as Kafka Streams' KStreamSessionWindowAggregate does it with its
 * session store (docs/architecture.md, "Stream-processing semantics"):
 * - a record at t merges with every session of its key still in the store having end >= t − gap
 *   and start <= t + gap, closed sessions included; the merged session is [min start, max end]
 *   (both inclusive), its aggregate the merger over the sessions (by end) and then the record;
 * - the record is dropped (late, counted) only if mergedEnd + gap + grace < stream time;
 * - each absorbed session is retracted (a null value for its windowed key, in update mode) before
 *   the merged one is emitted;
 * - the store keeps a session while its end > (largest session end put) − retention (default
 *   gap + grace, Kafka's; `retention` keeps closed sessions longer, and a late record that
 *   bridges one merges with it);
 * - emit 'final': a session is emitted once when end + gap + grace < stream time, checked after
 *   every record, sessions closing together ordered by end, then start, then key (Kafka's
 *   time-ordered session store).
 * State lives in a Map per key and is logged to the changelog at the end of every batch.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { InvalidConfigError } from '../../core/errors.js';
import { afterRestore, recordOperator } from '../operator.js';
import type { BindContext } from '../sluice-op.js';
import { changelogTopic, logChanges, readChangelog } from '../stores/changelog.js';
import { registerStore } from '../stores/registry.js';
import type { Rec, Windowed } from '../types.js';
import type { SessionWindowDef } from './window-def.js';
import { compareKeyText, lateRecordHandler, windowedResult } from './window-common.js';
import { toMs, type Duration } from './duration.js';

interface Session<K, A> {
  key: K;
  keyJson: string;
  start: number;
  end: number;
  value: A;
  logged: boolean;
}

const TIMES_KEY = '"__times"';
const OLD_STREAM_TIME_KEY = '"__streamTime"';
const sessionKey = (s: { keyJson: string; start: number; end: number }) => JSON.stringify([s.keyJson, s.start, s.end]);

/** The store's retention for a windowed aggregation: at least what its windows need (Kafka refuses less). */
export function windowRetention(what: string, minimum: number, retention: Duration | undefined): number {
  if (retention === undefined) return minimum;
  const ms = toMs(retention, `${what} retention`);
  if (ms < minimum) throw new InvalidConfigError(`${what} retention must be at least ${minimum} ms (what its windows need), got ${ms} ms`);
  return ms;
}

export function sessionAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: (agg: A, value: V, record: Rec<K, V>) => A,
  merger: ((a: A, b: A) => A) | undefined,
  opts: { emit?: 'update' | 'final'; lateRecordsTopic?: string; retention?: Duration },
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A | null>> {
  const def = b.window as SessionWindowDef;
  if (!merger) throw new InvalidConfigError(`aggregation "${b.name}" over session windows needs a merger (aggregate(init, adder, { merger }))`);
  const retention = windowRetention(`session aggregation "${b.name}"`, def.gap + def.grace, opts.retention);
  const emitMode = opts.emit ?? 'update';
  const topic = changelogTopic(b.appId, b.name);
  const byKey = new Map<string, Array<Session<K, A>>>();
  const dirty = new Set<Session<K, A>>();
  const retracted: string[] = [];
  let streamTime = -Infinity;
  // The largest session end put (Kafka's session store's observed stream time).
  let storeTime = -Infinity;
  // Sessions ending before this were emitted in final mode (Kafka's lastEmitWindowCloseTime).
  let emittedBefore = 0;
  let timesDirty = false;
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  registerStore(ctx, b.name, () => [...byKey.values()].flat().map((s) => [{ key: s.key, window: { start: s.start, end: s.end } }, s.value]));
  const restored = readChangelog(ctx, topic).then((entries) => {
    let times: { s: number; w: number; e: number } | null = null;
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
      const [keyJson, start, end] = JSON.parse(k) as [string, number, number];
      const list = byKey.get(keyJson) ?? [];
      list.push({ key: JSON.parse(keyJson) as K, keyJson, start, end, value: JSON.parse(v.toString('utf8')) as A, logged: true });
      byKey.set(keyJson, list);
      storeTime = Math.max(storeTime, end);
    }
    if (times) {
      // JSON has no -Infinity: a clock that had not moved reads back as null.
      streamTime = times.s ?? -Infinity;
      storeTime = times.w ?? -Infinity;
      emittedBefore = times.e ?? 0;
    } else emittedBefore = Math.max(0, streamTime - def.gap - def.grace);
    for (const list of byKey.values()) list.sort((x, y) => x.end - y.end || x.start - y.start);
  });
  const out = (s: Session<K, A>, value: A | null, origin: Rec<K, V> | null) => windowedResult<K, A | null>(ctx, s.key, { start: s.start, end: s.end }, value, s.end, origin, s.keyJson);
  // No session not yet emitted ends before this (a lower bound: skips the scan while nothing can close).
  let pendingFrom = -Infinity;
  /**
   * Final mode, after every record as Kafka does it: the sessions with emittedBefore <= end <
   * close time, in the time-ordered store's order. Per record, not per batch: with a long
   * retention a session that closed can be merged into a later one within the same batch.
   */
  const emitFinal = (emit: (o: Rec<Windowed<K>, A | null>) => void) => {
    const closeTime = streamTime - def.gap - def.grace;
    if (closeTime <= emittedBefore) return;
    if (closeTime > pendingFrom) {
      const closed: Array<Session<K, A>> = [];
      let next = Infinity;
      for (const list of byKey.values()) {
        for (const s of list) {
          if (s.end >= emittedBefore && s.end < closeTime) closed.push(s);
          else if (s.end >= closeTime && s.end < next) next = s.end;
        }
      }
      closed.sort((x, y) => x.end - y.end || x.start - y.start || compareKeyText(x.keyJson, y.keyJson));
      for (const s of closed) emit(out(s, s.value, null));
      pendingFrom = next;
    }
    emittedBefore = closeTime;
    timesDirty = true;
  };
  const op = recordOperator<Rec<K, V>, Rec<Windowed<K>, A | null>>(ctx, {
    next(r, emit) {
      const t = r.timestamp;
      if (t > streamTime) {
        streamTime = t;
        timesDirty = true;
      }
      const closeTime = streamTime - def.grace - def.gap;
      const keyJson = JSON.stringify(r.key);
      const list = byKey.get(keyJson) ?? [];
      const floor = storeTime - retention; // the store shows sessions with end > floor
      // In the store's order: by end, then start.
      const overlapping = list.filter((s) => s.end > floor && s.end >= t - def.gap && s.start <= t + def.gap);
      let start = t;
      let end = t;
      let agg = init();
      for (const s of overlapping) {
        agg = merger(agg, s.value);
        if (s.start < start) start = s.start;
        if (s.end > end) end = s.end;
      }
      if (end < closeTime) {
        late(keyJson, r, `[${start},${end}]`);
        if (emitMode === 'final') emitFinal(emit);
        return;
      }
      agg = adder(agg, r.value, r);
      const merged: Session<K, A> = { key: r.key, keyJson, start, end, value: agg, logged: false };
      const kept = list.filter((s) => !overlapping.includes(s));
      // Kafka retracts every session it merged, even one of the merged session's bounds, unless
      // the merged session is the record's own [t, t] (then the put overwrites it).
      const alone = start === t && end === t;
      for (const s of overlapping) {
        dirty.delete(s);
        if (alone) {
          merged.logged = s.logged;
          continue;
        }
        if (s.logged) retracted.push(sessionKey(s));
        if (emitMode === 'update') emit(out(s, null, r));
      }
      let i = kept.length;
      while (i > 0 && (kept[i - 1]!.end > end || (kept[i - 1]!.end === end && kept[i - 1]!.start > start))) i--;
      kept.splice(i, 0, merged);
      byKey.set(keyJson, kept);
      dirty.add(merged);
      if (end > storeTime) {
        storeTime = end;
        timesDirty = true;
      }
      if (emitMode === 'update') emit(out(merged, agg, r));
      else {
        if (end < pendingFrom) pendingFrom = end;
        emitFinal(emit);
      }
    },
    complete() {
      if (emitMode !== 'final') {
        const closeTime = streamTime - def.gap - def.grace;
        if (closeTime > emittedBefore) {
          emittedBefore = closeTime;
          timesDirty = true;
        }
      }
      const changes: Array<[string, string | null]> = retracted.splice(0).map((k) => [k, null]);
      for (const s of dirty) {
        s.logged = true;
        changes.push([sessionKey(s), JSON.stringify(s.value)]);
      }
      dirty.clear();
      // Sessions past the store's retention are dropped; in final mode not before their result is
      // out (a session ending exactly at the close time leaves the retention as it closes: Kafka's
      // in-memory store would lose its final result, its RocksDB store keeps it a segment longer).
      const floor = storeTime - retention;
      for (const [keyJson, list] of byKey) {
        const keep = list.filter((s) => {
          if (s.end > floor || (emitMode === 'final' && s.end >= emittedBefore)) return true;
          if (s.logged) changes.push([sessionKey(s), null]);
          return false;
        });
        if (keep.length === 0) byKey.delete(keyJson);
        else if (keep.length !== list.length) byKey.set(keyJson, keep);
      }
      if (timesDirty) {
        changes.push([TIMES_KEY, JSON.stringify({ s: streamTime, w: storeTime, e: emittedBefore })]);
        timesDirty = false;
      }
      logChanges(ctx, topic, changes);
    },
  });
  return afterRestore(restored, op);
}

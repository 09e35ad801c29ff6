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
 * - emit 'final': a session is emitted once when end + gap + grace < stream time, sessions
 *   closing together ordered by end, then start, then key (Kafka's time-ordered session store).
 * State lives in the operator's session store (memory or Redis, stores/session-store.ts), with the
 * task's stream time; which sessions were emitted follows from it after a restart.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { BindContext } from '../sluice-op.js';
import type { Materialized } from '../stores/materialized.js';
import { sessionStore } from '../stores/open.js';
import type { SessionEntry } from '../stores/session-store.js';
import { storeOperator } from '../stores/store-operator.js';
import type { Rec, Windowed } from '../types.js';
import type { SessionWindowDef } from './window-def.js';
import { lateRecordHandler, windowedResult } from './window-common.js';
import { toMs, type Duration } from './duration.js';

/** The store's retention for a windowed aggregation: at least what its windows need (Kafka refuses less). */
export function windowRetention(what: string, minimum: number, retention: Duration | undefined): number {
  if (retention === undefined) return minimum;
  const ms = toMs(retention, `${what} retention`);
  if (ms < minimum) throw new InvalidConfigError(`${what} retention must be at least ${minimum} ms (what its windows need), got ${ms} ms`);
  return ms;
}

const byEndThenStart = (x: { end: number; start: number }, y: { end: number; start: number }) => x.end - y.end || x.start - y.start;

export function sessionAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: (agg: A, value: V, record: Rec<K, V>) => A,
  merger: ((a: A, b: A) => A) | undefined,
  opts: { emit?: 'update' | 'final'; lateRecordsTopic?: string; retention?: Duration; store?: Materialized },
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A | null>> {
  const def = b.window as SessionWindowDef;
  if (!merger) throw new InvalidConfigError(`aggregation "${b.name}" over session windows needs a merger (aggregate(init, adder, { merger }))`);
  const retention = windowRetention(`session aggregation "${b.name}"`, def.gap + def.grace, opts.store?.retention ?? opts.retention);
  const emitMode = opts.emit ?? 'update';
  const store = sessionStore<K, A>(ctx, b.name, (opts.store ?? {}) as Materialized<K, A>, { retentionMs: retention });
  const keyText = store.keyText;
  let streamTime = -Infinity;
  // Sessions ending before this were emitted in final mode (Kafka's lastEmitWindowCloseTime).
  let emittedBefore = 0;
  let restored = false;
  const begin = () => {
    restored = true;
    streamTime = store.streamTime < 0 ? -Infinity : store.streamTime;
    emittedBefore = Math.max(0, streamTime - def.gap - def.grace);
    if (emitMode === 'final') store.holdFrom = emittedBefore;
  };
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  const out = (s: SessionEntry<K, A>, value: A | null, origin: Rec<K, V> | null) => windowedResult<K, A | null>(ctx, s.key, { start: s.start, end: s.end }, value, s.end, origin, s.keyText);
  return storeOperator<Rec<K, V>, Rec<Windowed<K>, A | null>>(ctx, store, {
    keyText: (r) => keyText(r.key),
    next(r, emit) {
      if (!restored) begin();
      const t = r.timestamp;
      if (t > streamTime) streamTime = t;
      const closeTime = streamTime - def.grace - def.gap;
      const k = keyText(r.key);
      const floor = store.observedTime - retention; // the store shows sessions with end > floor
      // In the store's order: by end, then start.
      const overlapping = store
        .sessions(k)
        .filter((s) => s.end > floor && s.end >= t - def.gap && s.start <= t + def.gap)
        .sort(byEndThenStart);
      let start = t;
      let end = t;
      let agg = init();
      for (const s of overlapping) {
        agg = merger(agg, s.value);
        if (s.start < start) start = s.start;
        if (s.end > end) end = s.end;
      }
      if (end < closeTime) return late(k, r, `[${start},${end}]`);
      agg = adder(agg, r.value, r);
      // Kafka retracts every session it merged, even one of the merged session's bounds, unless
      // the merged session is the record's own [t, t] (then the put overwrites it).
      const alone = start === t && end === t;
      if (!alone) {
        for (const s of overlapping) {
          store.removeSession(s);
          if (emitMode === 'update') emit(out(s, null, r));
        }
      }
      const merged = store.putSession(k, r.key, start, end, agg);
      if (emitMode === 'update') emit(out(merged, agg, r));
    },
    async complete(emit) {
      if (!restored) begin();
      store.streamTime = streamTime;
      const closeTime = streamTime - def.gap - def.grace;
      if (closeTime <= emittedBefore) return;
      // Sessions with emittedBefore <= end < closeTime, as Kafka's time-ordered store gives them (by end, start, key).
      if (emitMode === 'final') for (const s of await store.range(emittedBefore, closeTime)) if (s.end < closeTime) emit(out(s, s.value, null));
      emittedBefore = closeTime;
      // A session is dropped past the store's retention, in final mode not before its result is out.
      if (emitMode === 'final') store.holdFrom = emittedBefore;
    },
  });
}

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
 *   every record (with a long retention a session that closed can be merged into a later one
 *   within the same batch), sessions closing together ordered by end, then start, then key
 *   (Kafka's time-ordered session store).
 * State lives in the operator's session store (memory or Redis, stores/session-store.ts), with the
 * task's stream time; which sessions were emitted follows from it after a restart.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { BindContext } from '../sluice-op.js';
import type { Materialized } from '../stores/materialized.js';
import { sessionStore } from '../stores/open.js';
import { sessionOrder, type SessionEntry } from '../stores/session-store.js';
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
  /**
   * Final mode: the sessions not emitted yet (end >= emittedBefore), kept in step with the store
   * record by record, so closed ones come out after every record without a store read (a Redis
   * store's range() is a round trip). Read once from the store when the task starts.
   */
  let pending: Map<string, SessionEntry<K, A>> | null = null;
  // No pending session ends before this (a lower bound: skips the scan while nothing can close).
  let pendingFrom = Infinity;
  const sid = (s: SessionEntry<K, A>) => `${s.start},${s.end},${s.keyText}`;
  const takePending = (list: Array<SessionEntry<K, A>>) => {
    pending = new Map(list.map((s) => [sid(s), s]));
    for (const s of list) if (s.end < pendingFrom) pendingFrom = s.end;
  };
  const begin = () => {
    restored = true;
    streamTime = store.streamTime < 0 ? -Infinity : store.streamTime;
    emittedBefore = Math.max(0, streamTime - def.gap - def.grace);
    if (emitMode !== 'final') return;
    store.holdFrom = emittedBefore;
    // A store that answers at once (memory) is read here; one that loads first (Redis) in prepare().
    const open = store.needsLoad ? null : store.range(emittedBefore, Infinity);
    if (Array.isArray(open)) takePending(open);
  };
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  const out = (s: SessionEntry<K, A>, value: A | null, origin: Rec<K, V> | null) => windowedResult<K, A | null>(ctx, s.key, { start: s.start, end: s.end }, value, s.end, origin, s.keyText);
  /** Final mode, after every record as Kafka does it: the pending sessions that closed, in the time-ordered store's order. */
  const emitFinal = (emit: (o: Rec<Windowed<K>, A | null>) => void) => {
    const closeTime = streamTime - def.gap - def.grace;
    if (closeTime <= emittedBefore) return;
    if (pending && closeTime > pendingFrom) {
      const closed: Array<SessionEntry<K, A>> = [];
      let next = Infinity;
      for (const [id, s] of pending) {
        if (s.end < closeTime) {
          closed.push(s);
          pending.delete(id);
        } else if (s.end < next) next = s.end;
      }
      closed.sort(sessionOrder);
      for (const s of closed) emit(out(s, s.value, null));
      pendingFrom = next;
    }
    emittedBefore = closeTime;
    // A session is dropped past the store's retention, in final mode not before its result is out.
    store.holdFrom = emittedBefore;
  };
  return storeOperator<Rec<K, V>, Rec<Windowed<K>, A | null>>(ctx, store, {
    keyText: (r) => keyText(r.key),
    async prepare() {
      if (!restored) begin();
      if (emitMode === 'final' && !pending) takePending(await store.range(emittedBefore, Infinity));
    },
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
      if (end < closeTime) {
        late(k, r, start, end, true);
        if (emitMode === 'final') emitFinal(emit);
        return;
      }
      agg = adder(agg, r.value, r);
      // Kafka retracts every session it merged, even one of the merged session's bounds, unless
      // the merged session is the record's own [t, t] (then the put overwrites it).
      const alone = start === t && end === t;
      if (!alone) {
        for (const s of overlapping) {
          store.removeSession(s);
          if (emitMode === 'update') emit(out(s, null, r));
          else pending?.delete(sid(s));
        }
      }
      const merged = store.putSession(k, r.key, start, end, agg);
      if (emitMode === 'update') emit(out(merged, agg, r));
      else {
        pending?.set(sid(merged), merged);
        if (end < pendingFrom) pendingFrom = end;
        emitFinal(emit);
      }
    },
    async complete(emit) {
      if (!restored) begin();
      store.streamTime = streamTime;
      if (emitMode === 'final') return emitFinal(emit);
      const closeTime = streamTime - def.gap - def.grace;
      if (closeTime > emittedBefore) emittedBefore = closeTime;
    },
  });
}

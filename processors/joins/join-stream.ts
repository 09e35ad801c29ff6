/**
 * Stream-stream join within a time difference (Kafka Streams' KStream#join/leftJoin/outerJoin with
 * JoinWindows, as KStreamKStreamJoin, KStreamJoinWindow and the join's window stores do it):
 * - windows: `before` b and `after` a (`within: d` is b = a = d; JoinWindows.before/after). A left
 *   record at t matches right records of its key in [t − b, t + a], a right record at t matches
 *   left records in [t − a, t + b], both ends inclusive; the output's timestamp is the larger of
 *   the two. Matches come out in the other side's timestamp order (then arrival order).
 * - stream time is the largest timestamp of either side, moved by every record (dropped ones too).
 * - each side buffers its records in a window store that retains duplicates (Kafka's join window
 *   stores, retention r = b + a + grace): a record is visible to the other side while
 *   t > (largest timestamp of its side) − r. A record too late to be buffered (t <= that bound)
 *   is counted as dropped in `sluice_late_records_total`, but still looked up against the other side.
 * - left and outer joins: a record of an outer side (left in a left join, both in an outer join)
 *   with no partner is emitted with null at once when its own window has closed (left record:
 *   t + a + grace < stream time; right record: t + b + grace < stream time), otherwise kept in
 *   the join's outer store (Kafka's outer join shared store) until a partner inside the window
 *   joins it or its window closes. Those whose window closed are emitted when a record reaches
 *   stream time (t = stream time), before that record's own results, ordered by timestamp, then
 *   right side before left, then key (Kafka's outer-join store order). Kafka 3.x emits a late
 *   unmatched record at once already when t + a < stream time, ignoring the grace, which can give
 *   both a null result and a match for one record (KAFKA-19536); Sluice waits out the grace.
 * - null keys and values (Kafka Streams 3.7+, KIP-962): a record with a null value is dropped
 *   (counted in `sluice_dropped_records_total`); a record with a null key is emitted at once with a
 *   null partner by the outer sides (left join: left records; outer join: both) and dropped by the
 *   others. Neither is buffered.
 *
 * Stores (Kafka's names, from the join's store name n — `storeName`, else its `name`):
 * `n-this-join-store` and `n-other-join-store` (in a left join `n-outer-other-join-store`, in an
 * outer join `n-outer-this-join-store` and `n-outer-other-join-store`), and for left and outer
 * joins `n-left-shared-join-store` / `n-outer-shared-join-store`. Each is memory or Redis with its
 * changelog `<app>-<store>-changelog`, restored by the task's state manager. The right stream's
 * topic becomes an input of the pipeline (co-partitioned, merged by timestamp).
 */
import type { InputRecord, TaskContext } from '../../core/worker/contracts.js';
import { InvalidConfigError } from '../../core/errors.js';
import { json, type Serde } from '../../core/serde/serde.js';
import { fieldReader } from '../record-decoder.js';
import { sluiceOperator, type SluiceOperator, type TaskBinding } from '../sluice-op.js';
import { valueRange, type SourceValues, type ValueRange } from '../source-values.js';
import type { DuplicateWindowAccess, TimedRecord } from '../stores/duplicate-window-store.js';
import { retentionMs, type Materialized, type StoreBackendOptions } from '../stores/materialized.js';
import { KeyCells } from '../stores/key-cells.js';
import { duplicateWindowStore } from '../stores/open.js';
import type { Rec } from '../types.js';
import { toMs, toSignedMs, type Duration } from '../windows/duration.js';
import { heldValueSerde, type Held } from './held-value.js';
import { twoSidedOperator } from './two-sided.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface JoinOptions<K = unknown, V = unknown, W = any> {
  /** A left record at t joins right records in [t − within, t + within] (JoinWindows.ofTimeDifference…). */
  within?: Duration;
  /** How far back a left record looks for right records (JoinWindows.before; default `within`). May be negative if before + after >= 0. */
  before?: Duration;
  /** How far ahead a left record looks for right records (JoinWindows.after; default `within`). May be negative if before + after >= 0. */
  after?: Duration;
  grace?: Duration;
  /** The join's name (its processor in describe(); its stores' names unless `storeName`). */
  name?: string;
  /** The base name of the join's stores (StreamJoined.withStoreName): `<storeName>-this-join-store`, …. */
  storeName?: string;
  /** Where every store of the join lives, and whether they log (StreamJoined's store suppliers and withLoggingDisabled). */
  store?: StoreBackendOptions & { logging?: boolean };
  /**
   * This (left) stream's store (withThisStoreSupplier, withValueSerde): its full name, how its
   * values are written (default json), a backend, retention (at least before + after + grace)…
   * over `store`.
   */
  thisStore?: Omit<Materialized<K, V>, 'key'>;
  /** The other stream's store (withOtherStoreSupplier, withOtherValueSerde); its values default to the other stream's serde. */
  otherStore?: Omit<Materialized<K, W>, 'key'>;
  /** Left and outer joins: the store of records waiting for a partner (Kafka's outer join shared store). */
  outerStore?: Pick<Materialized, 'name' | 'backend' | 'redis' | 'url' | 'prefix' | 'logging'>;
  /**
   * How keys are written to the stores (StreamJoined.withKeySerde; default the other stream's key
   * serde), and this stream's values (the older form of `thisStore.value`).
   */
  serdes?: { key?: Serde<K>; value?: Serde<V> };
}

export interface OtherStream<K, W> {
  topic: string;
  key?: Serde<K>;
  value?: Serde<W>;
}

type JoinType = 'inner' | 'left' | 'outer';

/** The join window's bounds in ms, from `within` or `before`/`after` (Kafka's JoinWindows checks). */
export function joinWindow(opts: Pick<JoinOptions, 'within' | 'before' | 'after' | 'grace'>): { before: number; after: number; grace: number } {
  if (opts.within === undefined && (opts.before === undefined || opts.after === undefined)) throw new InvalidConfigError('a stream-stream join needs `within` (or both `before` and `after`)');
  const within = opts.within === undefined ? undefined : toMs(opts.within, 'join window (within)');
  if (within !== undefined && within < 0) throw new InvalidConfigError(`join window (within) must not be negative, got ${within} ms`);
  const before = opts.before === undefined ? within! : toSignedMs(opts.before, 'join window (before)');
  const after = opts.after === undefined ? within! : toSignedMs(opts.after, 'join window (after)');
  if (before + after < 0) throw new InvalidConfigError(`join window: before + after must not be negative (got before ${before} ms, after ${after} ms)`);
  const grace = toMs(opts.grace ?? 0, 'grace');
  if (grace < 0) throw new InvalidConfigError(`join grace must not be negative, got ${grace} ms`);
  return { before, after, grace };
}

/** The names of a join's stores, as Kafka Streams' KStreamImplJoin names them from a base name. */
export function joinStoreNames(type: JoinType, base: string): { left: string; right: string; outer: string | null } {
  return {
    left: `${base}${type === 'outer' ? '-outer-this-join' : '-this-join'}-store`,
    right: `${base}${type === 'inner' ? '-other-join' : '-outer-other-join'}-store`,
    outer: type === 'inner' ? null : `${base}${type === 'outer' ? '-outer-shared-join' : '-left-shared-join'}-store`,
  };
}

function make<K, V, W, R>(type: JoinType, other: OtherStream<K, W>, joiner: (l: V | null, r: W | null) => R, opts: JoinOptions<K, V, W>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  const { before, after, grace } = joinWindow(opts);
  // Kafka's join window stores keep size + grace, size = before + after.
  const windowRetention = before + after + grace;
  const leftOuter = type !== 'inner';
  const rightOuter = type === 'outer';
  const keySerde = other.key ?? (json() as Serde<K>);
  const rightValueSerde = other.value ?? (json() as Serde<W>);
  // The stores' serdes: one key serde for all (their key texts must agree).
  const storeKey = opts.serdes?.key ?? other.key;
  const givenLeftValues = opts.thisStore?.value ?? opts.serdes?.value;
  const leftValues = givenLeftValues ?? (json() as Serde<V>);
  const rightValues = opts.otherStore?.value ?? rightValueSerde;
  // A right record's value is logged as it was read when the store writes it with the stream's serde.
  const rightRaw = rightValues === rightValueSerde;
  const rightKey = fieldReader(keySerde, 'key');
  const rightValue = fieldReader(rightValueSerde, 'value');
  const common = opts.store ?? {};
  const materialized = <T>(name: string, own: Omit<Materialized<K, T>, 'key'> | undefined, value: Serde<T>): Materialized<K, T> => ({
    ...common,
    ...(common.prefix !== undefined ? { prefix: `${common.prefix}${name}:` } : {}),
    ...own,
    name,
    key: storeKey,
    value,
  });
  return sluiceOperator<Rec<K, V>, Rec<K, R>>({
    kind: type === 'inner' ? 'join' : `${type}-join`,
    writeToTopology(nb) {
      const base = opts.storeName ?? opts.name ?? nb.name;
      const names = joinStoreNames(type, base);
      const m = {
        left: materialized(opts.thisStore?.name ?? names.left, opts.thisStore, leftValues),
        right: materialized(opts.otherStore?.name ?? names.right, opts.otherStore, rightValues),
        outer: names.outer === null ? null : materialized(opts.outerStore?.name ?? names.outer, opts.outerStore, heldValueSerde(leftValues, rightValues)),
      };
      const stores = [m.left.name!, m.right.name!, ...(m.outer ? [m.outer.name!] : [])];
      for (const s of stores) nb.store(s);
      const sourceValues = nb.sourceValues?.();
      nb.processor((t) => bind(t, base, m, sourceValues?.()), { inputs: [other.topic], stores });
    },
  });

  function bind(t: TaskBinding, metricName: string, m: { left: Materialized<K, V>; right: Materialized<K, W>; outer: Materialized<K, Held> | null }, source: SourceValues | undefined) {
    const ctx: TaskContext = t.ctx;
    // Left values are logged as read when the join follows its source alone and its store reads
    // them with the source's serde (both the default, or the same serde): source-values.ts.
    const leftSource = source !== undefined && source.serde === givenLeftValues ? source : undefined;
    if (leftSource !== undefined) leftSource.watched = true;
    // The record's value bytes, when they can be logged as read (body null: they cannot).
    const raw: ValueRange = { body: null, start: 0, end: 0 };
    // The memory stores of the join share one key index: a record's key is looked up once for all of them.
    const sharedKeys = new KeyCells<unknown>();
    // Their records expire rather than being removed: their changelogs pack the records of a flush.
    const leftStore = duplicateWindowStore<K, V>(ctx, m.left.name!, m.left, { retentionMs: retentionMs(m.left, windowRetention), sharedKeys, packChangelog: true });
    const rightStore = duplicateWindowStore<K, W>(ctx, m.right.name!, m.right, { retentionMs: retentionMs(m.right, windowRetention), sharedKeys, packChangelog: true });
    // Records wait here until matched or emitted alone (Kafka keeps them in a key-value store; no retention).
    const outer = m.outer ? duplicateWindowStore<K, Held>(ctx, m.outer.name!, m.outer, { retentionMs: Infinity, sharedKeys }) : null;
    const retention = [leftStore.retentionMs, rightStore.retentionMs];
    const keyText = leftStore.keyText;
    const late = ctx.metrics.counter('sluice_late_records_total', 'records dropped because their window had closed (end + grace <= stream time), counted per record and window', { store: metricName });
    const skipped = ctx.metrics.counter('sluice_dropped_records_total', 'records a join or aggregation skipped: a null key or a null value', { store: metricName });
    let begun = false;
    let streamTime = -Infinity;
    // The largest timestamp put into each side's store (Kafka's window store's observed stream time; a null value moves it too).
    let leftTime = -Infinity;
    let rightTime = -Infinity;
    // The earliest held record may be this early (a lower bound: a cheap test per record).
    let heldMin = -Infinity;
    const minLookback = Math.min(before, after);
    const clock = (s: { streamTime: number; observedTime: number }) => Math.max(s.streamTime === -1 ? -Infinity : s.streamTime, s.observedTime);
    const begin = () => {
      begun = true;
      leftTime = clock(leftStore);
      rightTime = clock(rightStore);
      streamTime = Math.max(leftTime, rightTime, outer ? clock({ streamTime: outer.streamTime, observedTime: -Infinity }) : -Infinity);
    };
    const out = (key: unknown, l: unknown, r: unknown, ts: number, origin: Rec<unknown, unknown> | InputRecord): Rec<K, R> => ({
      key: key as K,
      value: joiner(l as V | null, r as W | null),
      timestamp: ts,
      headers: origin.headers,
      topic: origin.topic,
      partition: origin.partition,
      offset: origin.offset,
    });
    const alone = (key: unknown, isLeft: boolean, value: unknown, ts: number, origin: Rec<unknown, unknown> | InputRecord) => out(key, isLeft ? value : null, isLeft ? null : value, ts, origin);
    /** Takes a matched record out of the outer store, if it waits there. */
    const unhold = (o: TimedRecord<K, unknown>, isLeft: boolean) => {
      for (const h of outer!.fetchText(o.keyText, o.ts, o.ts)) {
        if (h.value.left === isLeft && h.value.slot === o.slot) {
          outer!.remove(h);
          return;
        }
      }
    };
    /** Emits the held records whose window closed, by timestamp, then right before left, then key (with the origin of the record that closed them). */
    const emitClosedHeld = (emitTo: (o: Rec<K, R>) => void, origin: Rec<unknown, unknown> | InputRecord) => {
      const bound = streamTime - grace - minLookback; // closed: t + lookback + grace < stream time
      if (!(heldMin < bound)) return;
      let min = bound;
      const closed: Array<TimedRecord<K, Held>> = [];
      for (const h of outer!.range(-Infinity, bound)) {
        if (h.ts + (h.value.left ? after : before) + grace < streamTime) closed.push(h);
        else if (h.ts < min) min = h.ts;
      }
      heldMin = min;
      closed.sort((x, y) => x.ts - y.ts || (x.value.left === y.value.left ? 0 : x.value.left ? 1 : -1) || (x.keyText < y.keyText ? -1 : x.keyText > y.keyText ? 1 : 0) || x.seq - y.seq);
      for (const h of closed) {
        outer!.remove(h);
        emitTo(alone(h.key, h.value.left, h.value.value, h.ts, origin));
      }
    };
    const process = (isLeft: boolean, key: unknown, ts: number, value: unknown, origin: Rec<unknown, unknown> | InputRecord, emitTo: (o: Rec<K, R>) => void) => {
      if (!begun) begin();
      if (ts > streamTime) streamTime = ts;
      const outerSide = isLeft ? leftOuter : rightOuter;
      if (key === null || key === undefined) {
        // KIP-962: an outer side emits a record without a key with a null partner; others drop it.
        if (outerSide && value !== null && value !== undefined) emitTo(alone(key, isLeft, value, ts, origin));
        else skipped.inc();
        return;
      }
      // Kafka's KStreamJoinWindow puts the record into its side's window store first: the store's
      // time moves (a null value too), and a record at or below its time − retention is dropped.
      let visible: boolean;
      if (isLeft) {
        if (ts > leftTime) leftTime = ts;
        visible = ts > leftTime - retention[0]!;
      } else {
        if (ts > rightTime) rightTime = ts;
        visible = ts > rightTime - retention[1]!;
      }
      if (value === null || value === undefined) {
        skipped.inc();
        return;
      }
      if (!visible) late.inc();
      // A record at stream time first lets out the held records whose window it closed.
      if (outer !== null && ts === streamTime) emitClosedHeld(emitTo, origin);
      const k = keyText(key as K);
      const others = (isLeft ? rightStore : leftStore) as DuplicateWindowAccess<K, unknown>;
      const floor = isLeft ? rightTime - retention[1]! : leftTime - retention[0]!; // the other side shows only ts > floor
      const found = others.fetchText(k, isLeft ? ts - before : ts - after, isLeft ? ts + after : ts + before);
      let matched = false;
      // The store's scratch array: copied only when held partners are taken out (which reads the outer store).
      const partners = outer !== null && (isLeft ? rightOuter : leftOuter) && found.length > 0 ? [...found] : found;
      for (let i = 0; i < partners.length; i++) {
        const o = partners[i]!;
        if (o.ts <= floor) continue;
        matched = true;
        if (partners !== found && o.ts >= heldMin) unhold(o, !isLeft);
        emitTo(out(key, isLeft ? value : o.value, isLeft ? o.value : value, Math.max(ts, o.ts), origin));
      }
      if (matched || !outerSide) {
        if (visible) (isLeft ? leftStore : (rightStore as DuplicateWindowAccess<K, unknown>)).add(k, key as K, ts, value, raw.body, raw.start, raw.end);
        return;
      }
      const lookback = isLeft ? after : before;
      if (ts + lookback + grace < streamTime) {
        emitTo(alone(key, isLeft, value, ts, origin));
        if (visible) (isLeft ? leftStore : (rightStore as DuplicateWindowAccess<K, unknown>)).add(k, key as K, ts, value, raw.body, raw.start, raw.end);
        return;
      }
      const rec = visible ? (isLeft ? leftStore : (rightStore as DuplicateWindowAccess<K, unknown>)).add(k, key as K, ts, value, raw.body, raw.start, raw.end) : null;
      outer!.add(k, key as K, ts, { left: isLeft, slot: rec?.slot ?? -1, value });
      if (ts < heldMin) heldMin = ts;
    };
    return twoSidedOperator<Rec<K, V>, Rec<K, R>>(t, other.topic, outer ? [leftStore, rightStore, outer] : [leftStore, rightStore], {
      leftKeyText: (r) => (r.key === null || r.key === undefined ? null : keyText(r.key)),
      // Read from the batch's bytes where the record is lazy (no key Buffer), as right() reads it.
      rightKeyText: (r) => {
        const k = rightKey(r);
        return k === null ? null : keyText(k);
      },
      async prepare(maxTs) {
        if (!begun) begin();
        // Held records this batch may close: those before its largest stream time − grace − the shorter lookback.
        if (outer) await outer.loadUpTo(Math.max(streamTime, maxTs) - grace - minLookback);
      },
      left(r, emitTo) {
        const input = leftSource?.inputOf(r) ?? null;
        if (input !== null) valueRange(input, raw);
        else raw.body = null;
        process(true, r.key, r.timestamp, r.value, r as Rec<unknown, unknown>, emitTo);
      },
      right(r, emitTo) {
        // Key and value read from the batch's bytes where the record is lazy; where the value's bytes are, to log them.
        if (rightRaw) valueRange(r, raw);
        else raw.body = null;
        process(false, rightKey(r), r.timestamp, rightValue(r), r, emitTo);
      },
      complete() {
        if (!begun) return;
        leftStore.streamTime = leftTime;
        rightStore.streamTime = rightTime;
        if (outer) outer.streamTime = streamTime;
      },
    });
  }
}

/** Inner join: only pairs within the join window. */
export function join<K, V, W, R>(other: OtherStream<K, W>, joiner: (left: V, right: W) => R, opts: JoinOptions<K, V, W>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return make('inner', other, joiner as (l: V | null, r: W | null) => R, opts);
}

/** Left join: every left record; unmatched ones with a null right once their window closed. */
export function leftJoin<K, V, W, R>(other: OtherStream<K, W>, joiner: (left: V, right: W | null) => R, opts: JoinOptions<K, V, W>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return make('left', other, joiner as (l: V | null, r: W | null) => R, opts);
}

/** Outer join: every record of both sides; unmatched ones with a null partner once their window closed. */
export function outerJoin<K, V, W, R>(other: OtherStream<K, W>, joiner: (left: V | null, right: W | null) => R, opts: JoinOptions<K, V, W>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return make('outer', other, joiner, opts);
}

export type { TaskContext };

/**
 * Stream-stream join within a time difference (Kafka Streams' KStream#join/leftJoin/outerJoin with
 * JoinWindows, as KStreamKStreamJoin, KStreamJoinWindow and the join's window stores do it):
 * - windows: `before` b and `after` a (`within: d` is b = a = d; JoinWindows.before/after). A left
 *   record at t matches right records of its key in [t − b, t + a], a right record at t matches
 *   left records in [t − a, t + b], both ends inclusive; the output's timestamp is the larger of
 *   the two. Matches come out in the other side's timestamp order (then arrival order).
 * - stream time is the largest timestamp of either side, moved by every record (dropped ones too).
 * - each side buffers its records as Kafka's window store does (retention r = b + a + grace): a
 *   record is visible to the other side while t > (largest timestamp buffered on its side) − r. A
 *   record too late to be buffered (t <= that bound) is counted as dropped in
 *   `sluice_late_records_total`, but still looked up against the other side.
 * - left and outer joins: a record of an outer side (left in a left join, both in an outer join)
 *   with no partner is emitted with null at once when its own window has closed (left record:
 *   t + a + grace < stream time; right record: t + b + grace < stream time), otherwise held; a
 *   later partner inside the window still joins it. Held records whose window closed are emitted
 *   when a record reaches stream time (t = stream time), before that record's own results,
 *   ordered by timestamp, then right side before left, then key (Kafka's outer-join store order).
 *   Kafka 3.x emits a late unmatched record at once already when t + a < stream time, ignoring the
 *   grace, which can give both a null result and a match for one record (KAFKA-19536); Sluice
 *   waits out the grace.
 * - null keys and values (Kafka Streams 3.7+, KIP-962): a record with a null value is dropped
 *   (counted in `sluice_dropped_records_total`); a record with a null key is emitted at once with a
 *   null partner by the outer sides (left join: left records; outer join: both) and dropped by the
 *   others. Neither is buffered.
 * - both sides' records are logged to the changelog `<app>-<store>-changelog` at the end of each
 *   batch and rebuilt from it when the task starts. A record is logged under a slot number that a
 *   later record reuses once it is neither visible nor held, so expiry writes no tombstone (a join
 *   logs each record about once) and the compacted changelog holds at most as many keys as the
 *   buffers ever held at once. Stream time and both sides' buffer times are logged under `t`.
 * The right stream's topic becomes an input of the pipeline (co-partitioned, merged by timestamp).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { ProducerRecord } from '../../core/client/types.js';
import type { InputRecord, TaskContext } from '../../core/worker/contracts.js';
import { InvalidConfigError } from '../../core/errors.js';
import { json, producerValue, type Serde } from '../../core/serde/serde.js';
import { decodeJoinLogEntry, encodeJoinLogEntries, type JoinLogEntry } from './join-changelog.js';
import { recordOperator } from '../operator.js';
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import { changelogTopic, readChangelog } from '../stores/changelog.js';
import type { Rec } from '../types.js';
import { toMs, toSignedMs, type Duration } from '../windows/duration.js';
import { TimeBuckets } from '../windows/time-buckets.js';

export interface JoinOptions<K = unknown, V = unknown> {
  /** A left record at t joins right records in [t − within, t + within] (JoinWindows.ofTimeDifference…). */
  within?: Duration;
  /** How far back a left record looks for right records (JoinWindows.before; default `within`). May be negative if before + after >= 0. */
  before?: Duration;
  /** How far ahead a left record looks for right records (JoinWindows.after; default `within`). May be negative if before + after >= 0. */
  after?: Duration;
  grace?: Duration;
  name?: string;
  /**
   * How this (left) stream's keys and values are written to the join's changelog (default json);
   * the other stream's are its `key` and `value` serdes.
   */
  serdes?: { key?: Serde<K>; value?: Serde<V> };
}

export interface OtherStream<K, W> {
  topic: string;
  key?: Serde<K>;
  value?: Serde<W>;
}

type JoinType = 'inner' | 'left' | 'outer';

interface Buffered<V> {
  /** Its changelog key; reused by a later record once this one is neither visible nor held. */
  slot: number;
  keyJson: string;
  ts: number;
  value: V;
  /** Joined with a partner (a held record stops being held). */
  matched: boolean;
  /** Emitted with a null partner (left/outer) once its window closed. */
  alone: boolean;
  /** In its key's list on its side (buffered and not yet expired). */
  listed: boolean;
  /** Waiting, unmatched, for its window to close (outer sides only). */
  held: boolean;
  origin: Rec<unknown, unknown>;
  isLeft: boolean;
  /** Changed in this batch and not yet logged (listed in the batch's dirty list). */
  dirty: boolean;
  /** The buffers of its key, so expiry reaches its list without a lookup. */
  holder: KeyBuffers;
  /** A right record's key and value bytes as read, until it is first logged (then dropped: no reference into a fetched batch is kept). */
  rawKey: Buffer | null;
  rawValue: Buffer | null;
}

/** Both sides' buffered records of one key, each list in timestamp order (then arrival). */
interface KeyBuffers {
  left: Array<Buffered<unknown>> | null;
  right: Array<Buffered<unknown>> | null;
}

/** Width of the time buckets that expiry and held-record emission walk (ms): one step per bucket, not a sweep of every record. */
const BUCKET_MS = 250;
const bucketOf = (ts: number) => ts - (((ts % BUCKET_MS) + BUCKET_MS) % BUCKET_MS);
/** The changelog key of the join's clocks (slots are numbers). */
const TIME_KEY = 't';

/** What the pipeline builder needs to route the right side's records to the join. */
export interface StreamJoinRuntime {
  onRight(r: InputRecord): void;
  restore(): Promise<void>;
}

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

function make<K, V, W, R>(type: JoinType, other: OtherStream<K, W>, joiner: (l: V | null, r: W | null) => R, opts: JoinOptions<K, V>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  const { before, after, grace } = joinWindow(opts);
  // Kafka's join window stores keep size + grace, size = before + after.
  const retention = before + after + grace;
  const leftOuter = type !== 'inner';
  const rightOuter = type === 'outer';
  const keySerde = other.key ?? (json() as Serde<K>);
  const valueSerde = other.value ?? (json() as Serde<W>);
  const leftKeySerde = opts.serdes?.key ?? (json() as Serde<K>);
  const leftValueSerde = opts.serdes?.value ?? (json() as Serde<V>);
  // Writing a left key with the default json serde is writing the key text the join has already.
  const leftKeyBytes = opts.serdes?.key ? producerValue(leftKeySerde) : null;
  const leftValueBytes = producerValue(leftValueSerde);
  const rightKeyBytes = producerValue(keySerde);
  const rightValueBytes = producerValue(valueSerde);
  return sluiceOperator<Rec<K, V>, Rec<K, R>>({
    kind: type === 'inner' ? 'join' : `${type}-join`,
    writeToTopology(nb) {
      // One store holds both sides' buffers; the other stream's topic is an input of this processor.
      const b = { appId: nb.appId, name: opts.name ?? nb.name };
      nb.store(b.name);
      nb.processor(
        (t) => {
          const j = bind(b, t.ctx);
          t.onSideInput(other.topic, (r) => j.runtime.onRight(r));
          t.waitFor(j.runtime.restore());
          return j.op;
        },
        { inputs: [other.topic], stores: [b.name] },
      );
    },
  });

  function bind(b: { appId: string; name: string }, ctx: TaskContext): { op: OperatorFunction<Rec<K, V>, Rec<K, R>>; runtime: StreamJoinRuntime } {
    const topic = changelogTopic(b.appId, b.name);
    const byKey = new Map<string, KeyBuffers>();
    // Records to log at the end of the batch: listed once (their `dirty` flag).
    const dirty: Array<Buffered<unknown>> = [];
    const markDirty = (e: Buffered<unknown>) => {
      if (e.dirty) return;
      e.dirty = true;
      dirty.push(e);
    };
    // Changelog slots of finished records, handed to new ones (their put supersedes the old entry).
    const freeSlots: number[] = [];
    let nextSlot = 0;
    let streamTime = -Infinity;
    // The largest timestamp put into each side's buffer (Kafka's window store's observed stream time).
    let leftTime = -Infinity;
    let rightTime = -Infinity;
    let timesDirty = false;
    let emit: ((out: Rec<K, R>) => void) | null = null;
    const late = ctx.metrics.counter('sluice_late_records_total', 'records dropped because their window had closed (end + grace <= stream time), counted per record and window', { store: b.name });
    const skipped = ctx.metrics.counter('sluice_dropped_records_total', 'records a join or aggregation skipped: a null key or a null value', { store: b.name });
    // Buffered records of each side by time bucket, for expiry in time order.
    const listedBuckets = { left: new TimeBuckets<Array<Buffered<unknown>>>(() => []), right: new TimeBuckets<Array<Buffered<unknown>>>(() => []) };
    // Held (unmatched, window open) records of each side by time bucket, for emission in time order.
    const heldBuckets = { left: new TimeBuckets<Array<Buffered<unknown>>>(() => []), right: new TimeBuckets<Array<Buffered<unknown>>>(() => []) };
    // The earliest held record of each side may be this early (a lower bound: a cheap test per record).
    let heldLeftMin = Infinity;
    let heldRightMin = Infinity;
    const holderOf = (keyJson: string) => {
      let h = byKey.get(keyJson);
      if (h === undefined) byKey.set(keyJson, (h = { left: null, right: null }));
      return h;
    };
    const release = (e: Buffered<unknown>) => {
      if (e.listed || e.held) return;
      // Logged before its slot goes to another record, unless the log holds nothing newer to say
      // (an expired record's entry is dropped on restore by its time alone).
      if (!e.dirty) {
        e.rawKey = null;
        e.rawValue = null;
      }
      freeSlots.push(e.slot);
    };
    const list = (e: Buffered<unknown>) => {
      const h = e.holder;
      const l = e.isLeft ? (h.left ??= []) : (h.right ??= []);
      // Kept in timestamp order; records mostly come in order, so the place is found from the end.
      let i = l.length;
      while (i > 0 && l[i - 1]!.ts > e.ts) i--;
      if (i === l.length) l.push(e);
      else l.splice(i, 0, e);
      e.listed = true;
      (e.isLeft ? listedBuckets.left : listedBuckets.right).at(bucketOf(e.ts)).push(e);
    };
    const unlist = (e: Buffered<unknown>) => {
      const h = e.holder;
      const l = (e.isLeft ? h.left : h.right)!;
      if (l.length === 1) {
        if (e.isLeft) h.left = null;
        else h.right = null;
        if (h.left === null && h.right === null) byKey.delete(e.keyJson);
      } else l.splice(l.indexOf(e), 1);
      e.listed = false;
    };
    const hold = (e: Buffered<unknown>) => {
      e.held = true;
      (e.isLeft ? heldBuckets.left : heldBuckets.right).at(bucketOf(e.ts)).push(e);
      if (e.isLeft) heldLeftMin = Math.min(heldLeftMin, e.ts);
      else heldRightMin = Math.min(heldRightMin, e.ts);
    };
    const out = (key: unknown, l: V | null, r: W | null, ts: number, origin: Rec<unknown, unknown>): Rec<K, R> => ({
      key: key as K,
      value: joiner(l, r),
      timestamp: ts,
      headers: origin.headers,
      topic: origin.topic,
      partition: origin.partition,
      offset: origin.offset,
    });
    const alone = (key: unknown, isLeft: boolean, value: unknown, ts: number, origin: Rec<unknown, unknown>) =>
      out(key, isLeft ? (value as V) : null, isLeft ? null : (value as W), ts, origin);
    /** Held records of one side whose window closed (t + lookback + grace < stream time), taken out of the held buckets. */
    const closedHeld = (buckets: TimeBuckets<Array<Buffered<unknown>>>, lookback: number, into: Array<Buffered<unknown>>): number => {
      let min = Infinity;
      for (const start of buckets.starts()) {
        if (start + lookback + grace >= streamTime) {
          min = Math.min(min, start);
          break;
        }
        const entries = buckets.get(start)!;
        let open = 0;
        for (const e of entries) {
          if (!e.held) continue;
          if (e.ts + lookback + grace < streamTime) into.push(e);
          else entries[open++] = e;
        }
        entries.length = open;
        if (open === 0) buckets.delete(start);
        else min = Math.min(min, start);
      }
      return min;
    };
    /** Emits the held records whose window closed, by timestamp, then right before left, then key. */
    const emitClosedHeld = (emitTo: (o: Rec<K, R>) => void) => {
      if (!(heldLeftMin + after + grace < streamTime) && !(heldRightMin + before + grace < streamTime)) return;
      const closed: Array<Buffered<unknown>> = [];
      heldLeftMin = closedHeld(heldBuckets.left, after, closed);
      heldRightMin = closedHeld(heldBuckets.right, before, closed);
      closed.sort((x, y) => x.ts - y.ts || (x.isLeft === y.isLeft ? 0 : x.isLeft ? 1 : -1) || (x.keyJson < y.keyJson ? -1 : x.keyJson > y.keyJson ? 1 : 0));
      for (const e of closed) {
        e.held = false;
        e.alone = true;
        markDirty(e);
        emitTo(alone(e.origin.key, e.isLeft, e.value, e.ts, e.origin));
        release(e);
      }
    };
    const process = (isLeft: boolean, key: unknown, ts: number, value: unknown, origin: Rec<unknown, unknown>, rawKey: Buffer | null, rawValue: Buffer | null, emitTo: (o: Rec<K, R>) => void) => {
      if (ts > streamTime) {
        streamTime = ts;
        timesDirty = true;
      }
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
        if (ts > leftTime) {
          leftTime = ts;
          timesDirty = true;
        }
        visible = ts > leftTime - retention;
      } else {
        if (ts > rightTime) {
          rightTime = ts;
          timesDirty = true;
        }
        visible = ts > rightTime - retention;
      }
      if (value === null || value === undefined) {
        skipped.inc();
        return;
      }
      if (!visible) late.inc();
      // A record at stream time first lets out the held records whose window it closed.
      if (ts === streamTime) emitClosedHeld(emitTo);
      const keyJson = JSON.stringify(key);
      const holder = holderOf(keyJson);
      const others = isLeft ? holder.right : holder.left;
      let matched = false;
      if (others !== null) {
        const from = isLeft ? ts - before : ts - after;
        const to = isLeft ? ts + after : ts + before;
        const floor = (isLeft ? rightTime : leftTime) - retention; // the other side's store shows only ts > floor
        for (const o of others) {
          if (o.ts < from || o.ts <= floor) continue;
          if (o.ts > to) break;
          matched = true;
          if (!o.matched) {
            o.matched = true;
            // Only left and outer joins read the flag (to emit unmatched records); an inner join need not log it.
            if (type !== 'inner') markDirty(o);
          }
          if (o.held) o.held = false; // taken out of its bucket lazily
          emitTo(out(key, (isLeft ? value : o.value) as V, (isLeft ? o.value : value) as W, Math.max(ts, o.ts), origin));
        }
      }
      const lookback = isLeft ? after : before;
      const closedNow = !matched && outerSide && ts + lookback + grace < streamTime;
      if (closedNow) emitTo(alone(key, isLeft, value, ts, origin));
      const heldNow = !matched && outerSide && !closedNow;
      if (!visible && !heldNow) {
        if (holder.left === null && holder.right === null) byKey.delete(keyJson);
        return;
      }
      const slot = freeSlots.length > 0 ? freeSlots.pop()! : nextSlot++;
      const e: Buffered<unknown> = { slot, keyJson, ts, value, matched, alone: closedNow, listed: false, held: false, origin, isLeft, dirty: false, holder, rawKey, rawValue };
      if (visible) list(e);
      if (heldNow) hold(e);
      markDirty(e);
    };
    /** The changelog entry of a record, from the bytes read where it still has them. */
    const logEntry = (e: Buffered<unknown>): JoinLogEntry => {
      const key = e.origin.key;
      const entry: JoinLogEntry = e.isLeft
        ? { isLeft: true, matched: e.matched, alone: e.alone, ts: e.ts, key: leftKeyBytes ? leftKeyBytes(key as K) : e.keyJson, value: leftValueBytes(e.value as V) }
        : { isLeft: false, matched: e.matched, alone: e.alone, ts: e.ts, key: e.rawKey ?? (key === null ? null : rightKeyBytes(key as K)), value: e.rawValue ?? rightValueBytes(e.value as W) };
      e.rawKey = null;
      e.rawValue = null;
      return entry;
    };
    /** Drops from the lists the records the other side can no longer see (whole buckets at or below time − retention). */
    const expire = (buckets: TimeBuckets<Array<Buffered<unknown>>>, sideTime: number) => {
      for (const start of buckets.starts()) {
        if (start + BUCKET_MS - 1 > sideTime - retention) break;
        const entries = buckets.get(start)!;
        buckets.delete(start);
        for (const e of entries) {
          if (!e.listed) continue;
          unlist(e);
          release(e);
        }
      }
    };
    const runtime: StreamJoinRuntime = {
      onRight(r) {
        const key = r.key === null ? null : keySerde.deserialize(r.key);
        const value = valueSerde.deserialize(r.value);
        const origin: Rec<unknown, unknown> = { key, value, timestamp: r.timestamp, headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset };
        process(false, key, r.timestamp, value, origin, r.key, r.value, (o) => emit?.(o));
      },
      async restore() {
        const entries: Array<Buffered<unknown>> = [];
        let times: { s: number; l: number; r: number } | null = null;
        for (const [k, v] of await readChangelog(ctx, topic)) {
          if (v === null) continue;
          if (k === TIME_KEY) {
            times = JSON.parse(v.toString('utf8')) as { s: number; l: number; r: number };
            continue;
          }
          const { isLeft, matched, alone, ts, key: keyBytes, value: valueBytes } = decodeJoinLogEntry(topic, k, v);
          const key = keyBytes === null ? null : (isLeft ? leftKeySerde : keySerde).deserialize(keyBytes);
          const value = valueBytes === null ? null : (isLeft ? leftValueSerde : valueSerde).deserialize(valueBytes);
          const origin: Rec<unknown, unknown> = { key, value, timestamp: ts, headers: {}, topic: '', partition: ctx.partition, offset: -1 };
          entries.push({ slot: Number(k), keyJson: JSON.stringify(key), ts, value, matched, alone, listed: false, held: false, origin, isLeft, dirty: false, holder: null as unknown as KeyBuffers, rawKey: null, rawValue: null });
          // A changelog from before the clocks were logged: the largest timestamps stand in for them.
          if (isLeft && ts > leftTime) leftTime = ts;
          if (!isLeft && ts > rightTime) rightTime = ts;
        }
        if (times) {
          // JSON has no -Infinity: a clock that had not moved reads back as null.
          streamTime = times.s ?? -Infinity;
          leftTime = times.l ?? -Infinity;
          rightTime = times.r ?? -Infinity;
        } else streamTime = Math.max(leftTime, rightTime);
        entries.sort((x, y) => x.ts - y.ts);
        const taken = new Set<number>();
        for (const e of entries) {
          if (e.slot >= nextSlot) nextSlot = e.slot + 1;
          const visible = e.ts > (e.isLeft ? leftTime : rightTime) - retention;
          const held = (e.isLeft ? leftOuter : rightOuter) && !e.matched && !e.alone;
          if (!visible && !held) continue; // finished before the restart: its slot is free
          taken.add(e.slot);
          e.holder = holderOf(e.keyJson);
          if (visible) list(e);
          if (held) hold(e);
        }
        for (let slot = nextSlot - 1; slot >= 0; slot--) if (!taken.has(slot)) freeSlots.push(slot);
      },
    };
    const inner = recordOperator<Rec<K, V>, Rec<K, R>>(ctx, {
      next(r, emitTo) {
        process(true, r.key, r.timestamp, r.value, r as Rec<unknown, unknown>, null, null, emitTo);
      },
      complete() {
        expire(listedBuckets.left, leftTime);
        expire(listedBuckets.right, rightTime);
        const logged: Array<Buffered<unknown>> = [];
        const entries: JoinLogEntry[] = [];
        for (const e of dirty) {
          if (!e.dirty) continue;
          e.dirty = false;
          logged.push(e);
          entries.push(logEntry(e));
        }
        dirty.length = 0;
        const values = encodeJoinLogEntries(entries);
        const records = new Array<ProducerRecord>(values.length);
        for (let i = 0; i < values.length; i++) records[i] = { key: String(logged[i]!.slot), value: values[i]!, partition: ctx.partition };
        if (timesDirty) {
          records.push({ key: TIME_KEY, value: JSON.stringify({ s: streamTime, l: leftTime, r: rightTime }), partition: ctx.partition });
          timesDirty = false;
        }
        if (records.length > 0) ctx.send(topic, records);
      },
    });
    // Matches found when a right record arrives are emitted into this batch's output.
    const op: OperatorFunction<Rec<K, V>, Rec<K, R>> = (source) =>
      new Observable<Rec<K, R>>((subscriber) => {
        emit = (o) => subscriber.next(o);
        const sub = inner(source).subscribe(subscriber);
        return () => {
          emit = null;
          sub.unsubscribe();
        };
      });
    return { op, runtime };
  }
}

/** Inner join: only pairs within the join window. */
export function join<K, V, W, R>(other: OtherStream<K, W>, joiner: (left: V, right: W) => R, opts: JoinOptions<K, V>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return make('inner', other, joiner as (l: V | null, r: W | null) => R, opts);
}

/** Left join: every left record; unmatched ones with a null right once their window closed. */
export function leftJoin<K, V, W, R>(other: OtherStream<K, W>, joiner: (left: V, right: W | null) => R, opts: JoinOptions<K, V>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return make('left', other, joiner as (l: V | null, r: W | null) => R, opts);
}

/** Outer join: every record of both sides; unmatched ones with a null partner once their window closed. */
export function outerJoin<K, V, W, R>(other: OtherStream<K, W>, joiner: (left: V | null, right: W | null) => R, opts: JoinOptions<K, V>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return make('outer', other, joiner, opts);
}

export type { TaskContext };

/**
 * Stream-stream join within a time difference (Kafka Streams' KStream#join/leftJoin/outerJoin
 * with JoinWindows), docs/architecture.md, "Stream-processing semantics":
 * - a left record at t matches right records of its key in [t − d, t + d], both ends inclusive,
 *   and the other way round; the output's timestamp is the larger of the two;
 * - stream time is shared by both sides; a record with t + d + grace < stream time is late:
 *   dropped and counted;
 * - left and outer joins hold a record that has no partner yet and emit it with null once
 *   stream time > t + d + grace; a partner arriving before that still joins; records stay
 *   buffered until stream time > t + 2d + grace, after which no non-late partner can reach them;
 * - both sides' buffers are logged to the changelog `<app>-<store>-changelog` at the end of each
 *   batch and rebuilt from it when the task starts. A buffered record is logged under a slot
 *   number that is reused once the record expires, so expiry writes no tombstone (a join logs
 *   each record once, not twice) and the compacted changelog holds at most as many keys as the
 *   buffers ever held at once; a restore drops the entries that had expired.
 * The right stream's topic becomes an input of the pipeline (co-partitioned, merged by timestamp).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { ProducerRecord } from '../../core/client/types.js';
import type { InputRecord, TaskContext } from '../../core/worker/contracts.js';
import { json, producerValue, type Serde } from '../../core/serde/serde.js';
import { decodeJoinLogEntry, encodeJoinLogEntries, type JoinLogEntry } from './join-changelog.js';
import { recordOperator } from '../operator.js';
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import { changelogTopic, readChangelog } from '../stores/changelog.js';
import type { Rec } from '../types.js';
import { toMs, type Duration } from '../windows/duration.js';
import { TimeBuckets } from '../windows/time-buckets.js';

export interface JoinOptions<K = unknown, V = unknown> {
  within: Duration;
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
  /** Its changelog key; reused by a later record once this one expired. */
  slot: number;
  keyJson: string;
  ts: number;
  value: V;
  matched: boolean;
  /** Emitted with a null partner (left/outer) once its window closed. */
  alone: boolean;
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

/** Both sides' buffered records of one key: one Map entry per key, not one per side. */
interface KeyBuffers {
  left: Array<Buffered<unknown>> | null;
  right: Array<Buffered<unknown>> | null;
}

/** Width of the time buckets that expiry walks (ms): expiring a bucket is one step, not a sweep of every buffered record. */
const BUCKET_MS = 250;
interface TimeBucket {
  entries: Array<Buffered<unknown>>;
  /** Every entry's window closed and was handled (left/outer emission): not scanned again. */
  aloneDone: boolean;
}

/** What the pipeline builder needs to route the right side's records to the join. */
export interface StreamJoinRuntime {
  onRight(r: InputRecord): void;
  restore(): Promise<void>;
}

function make<K, V, W, R>(type: JoinType, other: OtherStream<K, W>, joiner: (l: V | null, r: W | null) => R, opts: JoinOptions<K, V>): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  const d = toMs(opts.within, 'join window');
  const grace = toMs(opts.grace ?? 0, 'grace');
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
    // Records to log at the end of the batch: listed once (their `dirty` flag), skipped if they expired meanwhile.
    const dirty: Array<Buffered<unknown>> = [];
    const markDirty = (b: Buffered<unknown>) => {
      if (b.dirty) return;
      b.dirty = true;
      dirty.push(b);
    };
    // Changelog slots of expired records, handed to new ones (their put supersedes the old entry).
    const freeSlots: number[] = [];
    let nextSlot = 0;
    let streamTime = -1;
    let emit: ((out: Rec<K, R>) => void) | null = null;
    // A record that no non-late partner can reach any more (its whole time bucket is past).
    const expired = (ts: number) => ts - (ts % BUCKET_MS) + BUCKET_MS - 1 + 2 * d + grace < streamTime;
    const late = ctx.metrics.counter('sluice_late_records_total', 'records dropped because their window had closed (end + grace <= stream time)', { store: b.name });
    // Buffered records of both sides by time bucket, for expiry in time order.
    const buckets = new TimeBuckets<TimeBucket>(() => ({ entries: [], aloneDone: type === 'inner' }));
    const holderOf = (keyJson: string) => {
      let h = byKey.get(keyJson);
      if (h === undefined) byKey.set(keyJson, (h = { left: null, right: null }));
      return h;
    };
    const buffer = (e: Buffered<unknown>) => {
      const h = e.holder;
      if (e.isLeft) (h.left ??= []).push(e);
      else (h.right ??= []).push(e);
      buckets.at(e.ts - (e.ts % BUCKET_MS)).entries.push(e);
    };
    const unbuffer = (e: Buffered<unknown>) => {
      const h = e.holder;
      const list = (e.isLeft ? h.left : h.right)!;
      if (list.length === 1) {
        if (e.isLeft) h.left = null;
        else h.right = null;
        if (h.left === null && h.right === null) byKey.delete(e.keyJson);
      } else list.splice(list.indexOf(e), 1);
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
    const process = (isLeft: boolean, keyJson: string, key: unknown, ts: number, value: unknown, origin: Rec<unknown, unknown>, rawKey: Buffer | null, rawValue: Buffer | null) => {
      if (ts > streamTime) streamTime = ts;
      if (ts + d + grace < streamTime) {
        late.inc();
        return;
      }
      const holder = holderOf(keyJson);
      const others = isLeft ? holder.right : holder.left;
      let matched = false;
      if (others !== null) for (const o of others) {
        if (Math.abs(o.ts - ts) > d) continue;
        matched = true;
        if (!o.matched) {
          o.matched = true;
          // Only left and outer joins read the flag (to emit unmatched records); an inner join need not log it.
          if (type !== 'inner') markDirty(o);
        }
        const l = (isLeft ? value : o.value) as V;
        const r = (isLeft ? o.value : value) as W;
        emit?.(out(key, l, r, Math.max(ts, o.ts), origin));
      }
      const slot = freeSlots.length > 0 ? freeSlots.pop()! : nextSlot++;
      const e: Buffered<unknown> = { slot, keyJson, ts, value, matched, alone: false, origin, isLeft, dirty: false, holder, rawKey, rawValue };
      buffer(e);
      markDirty(e);
    };
    /** The changelog entry of a buffered record, from the bytes read where it still has them. */
    const logEntry = (e: Buffered<unknown>): JoinLogEntry => {
      const key = e.origin.key;
      const entry: JoinLogEntry = e.isLeft
        ? { isLeft: true, matched: e.matched, alone: e.alone, ts: e.ts, key: leftKeyBytes ? leftKeyBytes(key as K) : e.keyJson, value: leftValueBytes(e.value as V) }
        : { isLeft: false, matched: e.matched, alone: e.alone, ts: e.ts, key: e.rawKey ?? (key === null ? null : rightKeyBytes(key as K)), value: e.rawValue ?? rightValueBytes(e.value as W) };
      e.rawKey = null;
      e.rawValue = null;
      return entry;
    };
    const runtime: StreamJoinRuntime = {
      onRight(r) {
        const key = r.key === null ? null : keySerde.deserialize(r.key);
        const value = valueSerde.deserialize(r.value);
        const origin: Rec<unknown, unknown> = { key, value, timestamp: r.timestamp, headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset };
        process(false, JSON.stringify(key), key, r.timestamp, value, origin, r.key, r.value);
      },
      async restore() {
        const entries: Array<Buffered<unknown>> = [];
        for (const [k, v] of await readChangelog(ctx, topic)) {
          if (v === null) continue;
          const { isLeft, matched, alone, ts, key: keyBytes, value: valueBytes } = decodeJoinLogEntry(topic, k, v);
          const key = keyBytes === null ? null : (isLeft ? leftKeySerde : keySerde).deserialize(keyBytes);
          const value = valueBytes === null ? null : (isLeft ? leftValueSerde : valueSerde).deserialize(valueBytes);
          const origin: Rec<unknown, unknown> = { key, value, timestamp: ts, headers: {}, topic: '', partition: ctx.partition, offset: -1 };
          const keyJson = JSON.stringify(key);
          entries.push({ slot: Number(k), keyJson, ts, value, matched, alone, origin, isLeft, dirty: false, holder: null as unknown as KeyBuffers, rawKey: null, rawValue: null });
          if (ts > streamTime) streamTime = ts;
        }
        // The record that set stream time is still buffered, so the largest timestamp is stream time.
        const taken = new Set<number>();
        for (const e of entries) {
          if (e.slot >= nextSlot) nextSlot = e.slot + 1;
          if (expired(e.ts)) continue; // expired before the restart: its slot is free
          taken.add(e.slot);
          e.holder = holderOf(e.keyJson);
          buffer(e);
        }
        for (let slot = nextSlot - 1; slot >= 0; slot--) if (!taken.has(slot)) freeSlots.push(slot);
      },
    };
    const inner = recordOperator<Rec<K, V>, Rec<K, R>>(ctx, {
      next(r) {
        process(true, JSON.stringify(r.key), r.key, r.timestamp, r.value, r as Rec<unknown, unknown>, null, null);
      },
      complete(e) {
        // Once its window closed (stream time > t + d + grace) an unmatched record is emitted
        // alone (left/outer), in time order. It stays buffered while a non-late partner can
        // still reach it (until stream time > t + 2d + grace; expiry goes by whole time buckets,
        // so a record may stay up to BUCKET_MS longer, which cannot create a match: a partner
        // within d of it would be late), so a partner inside the window still joins.
        for (const start of buckets.starts()) {
          const bucket = buckets.get(start)!;
          if (!bucket.aloneDone) {
            if (start + d + grace >= streamTime) break; // no window in this bucket (or later ones) has closed
            for (const b of bucket.entries) {
              if (b.matched || b.alone || streamTime <= b.ts + d + grace) continue;
              if (type === 'outer' || b.isLeft) {
                b.alone = true;
                markDirty(b);
                e(out(b.origin.key, b.isLeft ? (b.value as V) : null, b.isLeft ? null : (b.value as W), b.ts, b.origin));
              }
            }
            bucket.aloneDone = start + BUCKET_MS - 1 + d + grace < streamTime;
          }
          // Expired: no non-late partner can reach any record of the bucket any more.
          if (!expired(start)) continue;
          buckets.delete(start);
          for (const b of bucket.entries) {
            unbuffer(b);
            b.dirty = false; // expired: not logged
            b.rawKey = null;
            b.rawValue = null;
            freeSlots.push(b.slot);
          }
        }
        const logged: Array<Buffered<unknown>> = [];
        const entries: JoinLogEntry[] = [];
        for (const b of dirty) {
          if (!b.dirty) continue;
          b.dirty = false;
          logged.push(b);
          entries.push(logEntry(b));
        }
        dirty.length = 0;
        const values = encodeJoinLogEntries(entries);
        if (values.length === 0) return;
        const records = new Array<ProducerRecord>(values.length);
        for (let i = 0; i < values.length; i++) records[i] = { key: String(logged[i]!.slot), value: values[i]!, partition: ctx.partition };
        ctx.send(topic, records);
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

/** Inner join: only pairs within the time difference. */
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

/**
 * Session-windowed aggregation, with Kafka Streams' rules (docs/architecture.md, "Stream-processing semantics"):
 * - a record at t merges with every session of its key having end >= t − gap and
 *   start <= t + gap; the merged session is [min start, max end] (both inclusive);
 * - the record is dropped (late) only if mergedEnd + gap + grace < stream time;
 * - each absorbed session is retracted (a null value for its windowed key, in update mode) before
 *   the merged one is emitted;
 * - emit 'final': a session is emitted once when end + gap + grace < stream time (no record can
 *   reach it any more), ordered by start, then key.
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
import { lateRecordHandler, windowedResult } from './window-common.js';

interface Session<K, A> {
  key: K;
  keyJson: string;
  start: number;
  end: number;
  value: A;
  logged: boolean;
}

const STREAM_TIME_KEY = '"__streamTime"';
const sessionKey = (s: { keyJson: string; start: number; end: number }) => JSON.stringify([s.keyJson, s.start, s.end]);

export function sessionAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: (agg: A, value: V, record: Rec<K, V>) => A,
  merger: ((a: A, b: A) => A) | undefined,
  opts: { emit?: 'update' | 'final'; lateRecordsTopic?: string },
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A | null>> {
  const def = b.window as SessionWindowDef;
  if (!merger) throw new InvalidConfigError(`aggregation "${b.name}" over session windows needs a merger (aggregate(init, adder, { merger }))`);
  const emitMode = opts.emit ?? 'update';
  const topic = changelogTopic(b.appId, b.name);
  const byKey = new Map<string, Array<Session<K, A>>>();
  const dirty = new Set<Session<K, A>>();
  const retracted: string[] = [];
  let streamTime = -1;
  let streamTimeDirty = false;
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  registerStore(ctx, b.name, () => [...byKey.values()].flat().map((s) => [{ key: s.key, window: { start: s.start, end: s.end } }, s.value]));
  const restored = readChangelog(ctx, topic).then((entries) => {
    for (const [k, v] of entries) {
      if (v === null) continue;
      if (k === STREAM_TIME_KEY) {
        streamTime = Number(v.toString('utf8'));
        continue;
      }
      const [keyJson, start, end] = JSON.parse(k) as [string, number, number];
      const list = byKey.get(keyJson) ?? [];
      list.push({ key: JSON.parse(keyJson) as K, keyJson, start, end, value: JSON.parse(v.toString('utf8')) as A, logged: true });
      byKey.set(keyJson, list);
    }
  });
  const out = (s: Session<K, A>, value: A | null, origin: Rec<K, V> | null) => windowedResult<K, A | null>(ctx, s.key, { start: s.start, end: s.end }, value, s.end, origin, s.keyJson);
  const op = recordOperator<Rec<K, V>, Rec<Windowed<K>, A | null>>(ctx, {
    next(r, emit) {
      const t = r.timestamp;
      if (t > streamTime) {
        streamTime = t;
        streamTimeDirty = true;
      }
      const keyJson = JSON.stringify(r.key);
      const list = byKey.get(keyJson) ?? [];
      const overlapping = list.filter((s) => s.end >= t - def.gap && s.start <= t + def.gap);
      const start = Math.min(t, ...overlapping.map((s) => s.start));
      const end = Math.max(t, ...overlapping.map((s) => s.end));
      if (end + def.gap + def.grace < streamTime) return late(keyJson, r);
      let agg = init();
      for (const s of overlapping) agg = merger(agg, s.value);
      agg = adder(agg, r.value, r);
      const merged: Session<K, A> = { key: r.key, keyJson, start, end, value: agg, logged: false };
      const kept = list.filter((s) => !overlapping.includes(s));
      for (const s of overlapping) {
        dirty.delete(s);
        if (s.logged) retracted.push(sessionKey(s));
        if (emitMode === 'update') emit(out(s, null, r));
      }
      kept.push(merged);
      byKey.set(keyJson, kept);
      dirty.add(merged);
      if (emitMode === 'update') emit(out(merged, agg, r));
    },
    complete(emit) {
      const closed: Array<Session<K, A>> = [];
      for (const [keyJson, list] of byKey) {
        const open = list.filter((s) => {
          if (s.end + def.gap + def.grace < streamTime) {
            closed.push(s);
            return false;
          }
          return true;
        });
        if (open.length) byKey.set(keyJson, open);
        else byKey.delete(keyJson);
      }
      closed.sort((x, y) => x.start - y.start || (x.keyJson < y.keyJson ? -1 : x.keyJson > y.keyJson ? 1 : 0));
      const changes: Array<[string, string | null]> = retracted.splice(0).map((k) => [k, null]);
      for (const s of closed) {
        if (emitMode === 'final') emit(out(s, s.value, null));
        dirty.delete(s);
        if (s.logged) changes.push([sessionKey(s), null]);
      }
      for (const s of dirty) {
        s.logged = true;
        changes.push([sessionKey(s), JSON.stringify(s.value)]);
      }
      dirty.clear();
      if (streamTimeDirty) changes.push([STREAM_TIME_KEY, String(streamTime)]);
      streamTimeDirty = false;
      logChanges(ctx, topic, changes);
    },
  });
  return afterRestore(restored, op);
}

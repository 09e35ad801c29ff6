/**
 * A tumbling or hopping aggregation whose windows live in Redis rather than in the task's memory:
 * `windowed(tumbling('5s')), count({ store: { backend: 'redis', url } })`. Same rules as the
 * memory version (aggregate.ts): stream time advances record by record, a record updates window
 * [s, e) only if e + grace > stream time, late records are counted (and written to
 * `lateRecordsTopic`), 'update' emits every change, 'final' each window once when
 * e + grace <= stream time.
 *
 * Per batch the task holds only the batch: which windows each record reaches depends on stream
 * time alone, so they are found first; their current values come with one MGET; the records are
 * applied in input order; the windows that closed are read back from a sorted set of window ids
 * scored by start (ZRANGEBYSCORE), emitted in final mode ordered by start, then key (the JSON
 * text), and deleted; and the batch's changes go to Redis in one pipeline and to the changelog
 * before the worker commits. The changelog is the memory version's (`[key JSON, start]` →
 * `{v, t}`, plus the task's stream time), so an app can move between the two; when a task starts,
 * Redis's copy of its partition is rebuilt from the changelog.
 *
 * Redis layout, prefix `<prefix><partition>:` (prefix `<app>:<store>:` unless given): one string
 * per window under `<prefix>[<key JSON>,<start>]` holding `{"v": aggregate, "t": max timestamp}`,
 * the sorted set `<prefix>__index`, and `<prefix>__streamTime`.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { afterRestore, originOf, recordOperator } from '../operator.js';
import type { BindContext } from '../sluice-op.js';
import { changelogTopic, logChanges, readChangelog } from '../stores/changelog.js';
import { deleteKeysWithPrefix, execPipeline, mgetJson, partitionPrefix, redisClient } from '../stores/redis-util.js';
import type { StoreBackendOptions } from '../stores/window-stores.js';
import type { Rec, Windowed } from '../types.js';
import { lateRecordHandler, sharedWindow, windowedResult, type SharedWindow } from './window-common.js';
import { windowStarts, type HoppingWindowDef } from './window-def.js';

type Adder<K, V, A> = (aggregate: A, value: V, record: Rec<K, V>) => A;

interface Stored<A> {
  v: A;
  t: number;
}

const STREAM_TIME_KEY = '"__streamTime"';
/** Windows per restore pipeline: bounded memory in ioredis's queue for a large changelog. */
const RESTORE_CHUNK = 10_000;

const windowId = (keyJson: string, start: number) => JSON.stringify([keyJson, start]);

export function redisWindowedAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: Adder<K, V, A>,
  store: StoreBackendOptions,
  opts: { emit?: 'update' | 'final'; lateRecordsTopic?: string },
): OperatorFunction<Rec<K, V>, Rec<Windowed<K>, A>> {
  const def = b.window as HoppingWindowDef;
  const emitMode = opts.emit ?? 'update';
  const topic = changelogTopic(b.appId, b.name);
  const prefix = partitionPrefix(store.prefix, ctx.appId, b.name, ctx.partition);
  const indexKey = `${prefix}__index`;
  const streamTimeKey = `${prefix}__streamTime`;
  const { redis, owned } = redisClient(store);
  if (owned) ctx.onClose(async () => void (await redis.quit()));
  const late = lateRecordHandler(ctx, b.name, opts.lateRecordsTopic);
  let streamTime = -1;

  const mget = (ids: string[]) => mgetJson<Stored<A>>(redis, prefix, ids);

  /** Redis's copy of this partition, rebuilt from the changelog (the source of truth). */
  const restore = (async () => {
    const entries = await readChangelog(ctx, topic);
    await deleteKeysWithPrefix(redis, prefix);
    let p = redis.pipeline();
    let n = 0;
    for (const [k, v] of entries) {
      if (v === null) continue;
      if (k === STREAM_TIME_KEY) {
        streamTime = Number(v.toString('utf8'));
        p.set(streamTimeKey, String(streamTime));
        continue;
      }
      const [, start] = JSON.parse(k) as [string, number];
      p.set(prefix + k, v.toString('utf8'));
      p.zadd(indexKey, start, k);
      if (++n % RESTORE_CHUNK === 0) {
        await execPipeline(p);
        p = redis.pipeline();
      }
    }
    await execPipeline(p);
  })();

  const held: Array<Rec<K, V>> = [];
  const op = recordOperator<Rec<K, V>, Rec<Windowed<K>, A>>(ctx, {
    next(r) {
      held.push(r);
    },
    async complete(emit) {
      const records = held.splice(0);
      const streamTimeBefore = streamTime;
      // 1. The windows each record reaches, as stream time moves record by record.
      const reach: Array<{ r: Rec<K, V>; keyJson: string; starts: number[] }> = [];
      const ids = new Set<string>();
      for (const r of records) {
        if (r.timestamp > streamTime) streamTime = r.timestamp;
        const keyJson = JSON.stringify(r.key);
        const starts: number[] = [];
        for (const s of windowStarts(def, r.timestamp)) {
          if (s + def.size + def.grace > streamTime) starts.push(s);
          else late(keyJson, r, `[${s},${s + def.size})`); // counted per window, as Kafka's dropped-records metric
        }
        if (starts.length === 0) continue;
        reach.push({ r, keyJson, starts });
        for (const s of starts) ids.add(windowId(keyJson, s));
      }
      // 2. Their current values in one round trip, then the records applied in order.
      const current = await mget([...ids]);
      const changed = new Map<string, { key: K; keyJson: string; start: number }>();
      const windows = new Map<number, SharedWindow>();
      const windowAt = (start: number) => {
        let w = windows.get(start);
        if (!w) windows.set(start, (w = sharedWindow(start, start + def.size)));
        return w;
      };
      for (const { r, keyJson, starts } of reach) {
        const apply = () => {
          const updated: Array<[string, Stored<A>]> = [];
          for (const start of starts) {
            const id = windowId(keyJson, start);
            const before = current.get(id);
            updated.push([id, { v: adder(before ? before.v : init(), r.value, r), t: before ? Math.max(before.t, r.timestamp) : r.timestamp }]);
          }
          // Applied only once the adder succeeded for every window of the record.
          for (let i = 0; i < updated.length; i++) {
            const [id, s] = updated[i]!;
            current.set(id, s);
            changed.set(id, { key: r.key, keyJson, start: starts[i]! });
            if (emitMode === 'update') emit(windowedResult(ctx, r.key, windowAt(starts[i]!), s.v, s.t, r, keyJson));
          }
        };
        try {
          apply();
        } catch (err) {
          await ctx.handleError(originOf(r), err, apply);
        }
      }
      // 3. Windows that can no longer change: those stored before this batch, and this batch's own.
      const limit = streamTime - def.size - def.grace; // start <= limit  <=>  end + grace <= stream time
      const storedClosed = limit >= 0 ? await redis.zrangebyscore(indexKey, '-inf', limit) : [];
      const closedIds = new Set(storedClosed);
      for (const [id, w] of changed) if (w.start <= limit) closedIds.add(id);
      const missing = [...closedIds].filter((id) => !current.has(id));
      for (const [id, s] of await mget(missing)) current.set(id, s);
      const closed = [...closedIds].map((id) => {
        const [keyJson, start] = JSON.parse(id) as [string, number];
        return { id, keyJson, start };
      });
      closed.sort((x, y) => x.start - y.start || (x.keyJson < y.keyJson ? -1 : x.keyJson > y.keyJson ? 1 : 0));
      const wasStored = new Set(storedClosed);
      const p = redis.pipeline();
      const changes: Array<[string, string | null]> = [];
      for (const c of closed) {
        const s = current.get(c.id);
        if (s && emitMode === 'final') emit(windowedResult(ctx, changed.get(c.id)?.key ?? (JSON.parse(c.keyJson) as K), windowAt(c.start), s.v, s.t, null, c.keyJson));
        if (wasStored.has(c.id)) {
          p.del(prefix + c.id);
          p.zrem(indexKey, c.id);
          changes.push([c.id, null]);
        }
        changed.delete(c.id);
      }
      for (const [id, w] of changed) {
        const text = JSON.stringify(current.get(id));
        p.set(prefix + id, text);
        p.zadd(indexKey, w.start, id);
        changes.push([id, text]);
      }
      if (streamTime !== streamTimeBefore) {
        p.set(streamTimeKey, String(streamTime));
        changes.push([STREAM_TIME_KEY, String(streamTime)]);
      }
      await execPipeline(p);
      logChanges(ctx, topic, changes);
    },
  });
  return afterRestore(restore, op);
}

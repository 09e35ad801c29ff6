/**
 * A keyed aggregation (count, reduce, aggregate, toTable) whose table lives in Redis rather than
 * in the task's memory: `count({ store: { backend: 'redis', url } })`. The task holds only one
 * batch: its records are kept until the batch ends, the current values of its distinct keys are
 * read with one MGET, the records are applied in input order (one update emitted per record, as
 * with the memory store), and the changes are written to Redis in one pipeline and to the
 * changelog before the worker commits. The changelog is the same as the memory store's (key and
 * value as JSON text), so an app can move between the two; when a task starts, Redis's copy of
 * its partition is rebuilt from the changelog (RedisKeyValueStore.open). Keys are
 * `<prefix><partition>:<key JSON>`, the prefix `<app>:<store>:` unless given.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { afterRestore, originOf, recordOperator } from '../operator.js';
import type { BindContext } from '../sluice-op.js';
import { RedisKeyValueStore } from '../stores/redis-kv.js';
import { partitionPrefix } from '../stores/redis-util.js';
import type { StoreBackendOptions } from '../stores/window-stores.js';
import type { Rec } from '../types.js';

type Adder<K, V, A> = (aggregate: A, value: V, record: Rec<K, V>) => A;

export function redisKeyedAggregate<K, V, A>(
  b: BindContext,
  ctx: TaskContext,
  init: () => A,
  adder: Adder<K, V, A>,
  store: StoreBackendOptions,
  opts: { nullDeletes?: boolean } = {},
): OperatorFunction<Rec<K, V>, Rec<K, A>> {
  let kv: RedisKeyValueStore<K, A> | undefined;
  // One prefix per partition: a task's open clears and reloads its own keys only.
  const prefix = partitionPrefix(store.prefix, ctx.appId, b.name, ctx.partition);
  const opened = RedisKeyValueStore.open<K, A>(b.name, ctx, { redis: store.redis, url: store.url, prefix }).then((s) => {
    kv = s;
    ctx.onClose(() => s.close());
  });
  const held: Array<Rec<K, V>> = [];
  const op = recordOperator<Rec<K, V>, Rec<K, A>>(ctx, {
    next(r) {
      held.push(r);
    },
    async complete(emit) {
      if (held.length === 0) return;
      const records = held.splice(0);
      const current = await kv!.getMany(records.map((r) => r.key));
      for (const r of records) {
        const k = JSON.stringify(r.key);
        const apply = () => {
          const before = current.get(k);
          const value = adder(before === undefined ? init() : before, r.value, r);
          if (opts.nullDeletes && (value === null || value === undefined)) {
            // A table's tombstone: the key is deleted, and the deletion flows on.
            current.set(k, undefined);
            kv!.delete(r.key);
            emit({ ...r, value: null as A });
            return;
          }
          current.set(k, value);
          kv!.put(r.key, value);
          emit({ ...r, value });
        };
        try {
          apply();
        } catch (err) {
          await ctx.handleError(originOf(r), err, apply);
        }
      }
      await kv!.flush();
    },
  });
  return afterRestore(opened, op);
}

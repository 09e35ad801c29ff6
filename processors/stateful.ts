/**
 * statefulOperator(name, bind): the way to write your own operator with a state store. Sluice
 * declares the store's compacted changelog `<app>-<name>-changelog` (partitions = the pipeline's
 * inputs) and calls `bind` once per task, so what `bind` creates lives as long as the task. A
 * store made in `bind` registers with the task: it is restored before the task's first batch and
 * flushed (to its backend and changelog) at every commit.
 *
 *   const dedupe = <K, V>() =>
 *     statefulOperator<Rec<K, V>, Rec<K, V>>('seen-keys', (ctx, name) => {
 *       const seen = keyValueStore<K, true>(ctx, name);            // in memory; { backend: 'redis' } for Redis
 *       return recordOperator(ctx, {
 *         next(r, emit) { if (!seen.get(r.key)) { seen.put(r.key, true); emit(r); } },
 *       });
 *     });
 *
 * For state without a changelog (caches, counters you can lose), a plain RxJS operator with
 * `taskState()` is enough, or a store with `{ logging: false }`.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../core/worker/contracts.js';
import { sluiceOperator, storeNode, type SluiceOperator } from './sluice-op.js';

export function statefulOperator<I, O>(name: string, bind: (ctx: TaskContext, storeName: string) => OperatorFunction<I, O>): SluiceOperator<I, O> {
  return sluiceOperator<I, O>(storeNode('stateful', { storeName: name, bind: (b, ctx) => bind(ctx, b.name) as OperatorFunction<unknown, unknown> }));
}

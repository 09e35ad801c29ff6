/**
 * statefulOperator(name, bind): the way to write your own operator with a state store. Sluice
 * declares the store's compacted changelog `<app>-<name>-changelog` (partitions = the pipeline's
 * inputs) and calls `bind` once per task, so what `bind` creates lives as long as the task.
 *
 *   const dedupe = <K, V>() =>
 *     statefulOperator<Rec<K, V>, Rec<K, V>>('seen-keys', (ctx, store) => {
 *       const opened = MemoryKeyValueStore.open<K, true>(store, ctx);   // restored from its changelog
 *       let seen!: MemoryKeyValueStore<K, true>;
 *       return afterRestore(opened.then((s) => (seen = s)), recordOperator(ctx, {
 *         next(r, emit) { if (!seen.get(r.key)) { seen.put(r.key, true); emit(r); } },
 *         complete: () => seen.flush(),                                 // changelog: part of the commit
 *       }));
 *     });
 *
 * For state without a changelog (caches, counters you can lose), a plain RxJS operator with
 * `taskState()` is enough.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../core/worker/contracts.js';
import { sluiceOperator, storeNode, type SluiceOperator } from './sluice-op.js';

export function statefulOperator<I, O>(name: string, bind: (ctx: TaskContext, storeName: string) => OperatorFunction<I, O>): SluiceOperator<I, O> {
  return sluiceOperator<I, O>(storeNode('stateful', { storeName: name, bind: (b, ctx) => bind(ctx, b.name) as OperatorFunction<unknown, unknown> }));
}

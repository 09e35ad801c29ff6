/**
 * The one way built-in operators run records against their stores, whatever the backend: with a
 * store that answers at once (memory) each record is applied as it comes; with one that must load
 * first (Redis) the batch's records are held, their keys loaded in one round trip when the batch
 * ends, and then applied in input order — the same code, the same outputs in the same order, and
 * a record whose code throws goes to the error policy either way.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { originOf, recordOperator } from '../operator.js';

export interface Loadable {
  readonly needsLoad: boolean;
  load(keyTexts: Iterable<string>): Promise<void>;
}

export interface StoreOperatorHooks<I, O> {
  /** The key text a record reads and writes (what load() brings in). */
  keyText(record: I): string;
  /** Before a held batch's records are applied, after its keys are loaded (a store that must load first). */
  prepare?(): Promise<void>;
  next(record: I, emit: (out: O) => void): void;
  /** After the batch's records (emit closed windows, and so on). */
  complete?(emit: (out: O) => void): void | Promise<void>;
}

export function storeOperator<I, O>(ctx: TaskContext, stores: Loadable | Loadable[], hooks: StoreOperatorHooks<I, O>): OperatorFunction<I, O> {
  const list = Array.isArray(stores) ? stores : [stores];
  const loading = list.filter((s) => s.needsLoad);
  if (loading.length === 0) return recordOperator<I, O>(ctx, { next: hooks.next, complete: hooks.complete });
  const held: I[] = [];
  return recordOperator<I, O>(ctx, {
    next(r) {
      held.push(r);
    },
    async complete(emit) {
      const records = held.splice(0);
      if (records.length) {
        const texts = new Set<string>();
        for (const r of records) texts.add(hooks.keyText(r));
        await Promise.all(loading.map((s) => s.load(texts)));
        await hooks.prepare?.();
        for (const r of records) {
          try {
            hooks.next(r, emit);
          } catch (err) {
            await ctx.handleError(originOf(r), err, () => hooks.next(r, emit));
          }
        }
      }
      await hooks.complete?.(emit);
    },
  });
}

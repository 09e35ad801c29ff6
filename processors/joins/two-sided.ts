/**
 * The one way joins run the records of their two inputs against their stores, whatever the
 * backend (stores/store-operator.ts does it for one input): the chain's records (left) come
 * through the operator, the other input's (right: the other stream, or a table's updates) through
 * the task's side input, both in the task's timestamp order. With stores that answer at once
 * (memory) each record is applied as it comes; with stores that must load first (Redis) the
 * batch's records of both sides are held in order, their keys loaded in one round trip per store
 * when the batch ends, then applied in the same order — the same code, the same outputs in the
 * same order, and a record whose code throws goes to the error policy either way.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { InputRecord } from '../../core/worker/contracts.js';
import { originOf, recordOperator } from '../operator.js';
import type { Loadable } from '../stores/store-operator.js';
import type { TaskBinding } from '../topology/node.js';

export interface TwoSidedHooks<L, O> {
  /** The key texts a record reads and writes (what load() brings in); null: none. */
  leftKeyText(r: L): string | null;
  rightKeyText(r: InputRecord): string | null;
  /** Stores that must load first: after the held batch's keys are loaded, before its records are applied. */
  prepare?(maxTimestamp: number): Promise<void>;
  left(r: L, emit: (out: O) => void): void;
  right(r: InputRecord, emit: (out: O) => void): void;
  /** After the batch's records. */
  complete?(emit: (out: O) => void): void | Promise<void>;
}

export function twoSidedOperator<L extends { timestamp: number }, O>(t: TaskBinding, rightTopic: string, stores: Loadable[], hooks: TwoSidedHooks<L, O>): OperatorFunction<L, O> {
  const ctx = t.ctx;
  const loading = stores.filter((s) => s.needsLoad);
  // Records produced while a right record is applied go to the batch's output.
  let emit: ((out: O) => void) | null = null;
  const emitOut = (o: O) => emit?.(o);
  let inner: OperatorFunction<L, O>;
  if (loading.length === 0) {
    t.onSideInput(rightTopic, (r) => hooks.right(r, emitOut));
    inner = recordOperator<L, O>(ctx, { next: hooks.left, complete: hooks.complete });
  } else {
    // The batch in arrival order: left records and right records side by side.
    const held: Array<L | InputRecord> = [];
    const isLeft: boolean[] = [];
    t.onSideInput(rightTopic, (r) => {
      held.push(r);
      isLeft.push(false);
    });
    inner = recordOperator<L, O>(ctx, {
      next(r) {
        held.push(r);
        isLeft.push(true);
      },
      async complete(out) {
        const records = held.splice(0);
        const sides = isLeft.splice(0);
        if (records.length) {
          const texts = new Set<string>();
          let maxTs = -Infinity;
          for (let i = 0; i < records.length; i++) {
            const r = records[i]!;
            const text = sides[i] ? hooks.leftKeyText(r as L) : hooks.rightKeyText(r as InputRecord);
            if (text !== null) texts.add(text);
            if (r.timestamp > maxTs) maxTs = r.timestamp;
          }
          await Promise.all(loading.map((s) => s.load(texts)));
          await hooks.prepare?.(maxTs);
          for (let i = 0; i < records.length; i++) {
            const r = records[i]!;
            const apply = sides[i] ? () => hooks.left(r as L, out) : () => hooks.right(r as InputRecord, out);
            try {
              apply();
            } catch (err) {
              await ctx.handleError(sides[i] ? originOf(r) : (r as InputRecord), err, apply);
            }
          }
        }
        await hooks.complete?.(out);
      },
    });
  }
  return (source) =>
    new Observable<O>((subscriber) => {
      emit = (o) => subscriber.next(o);
      const sub = inner(source).subscribe(subscriber);
      return () => {
        emit = null;
        sub.unsubscribe();
      };
    });
}

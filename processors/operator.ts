/**
 * The one helper every Sluice operator is built on: a single subscriber over the source that
 * runs user code per record synchronously (no Subject per key, no per-record subscription) and
 * hands a record whose code threw to the task's error policy, so one poison record does not fail
 * the batch. `complete` runs when the batch ends (flush state, emit closed windows).
 */
import { from, mergeMap, Observable, type OperatorFunction } from 'rxjs';
import type { InputRecord, TaskContext } from '../core/worker/contracts.js';
import { ORIGIN_ONLY } from '../core/worker/batch-records.js';
import type { Rec } from './types.js';
import { currentTask } from './task-scope.js';
import { processorNode, sluiceOperator, type SluiceOperator } from './topology/node.js';

export interface RecordOperatorHooks<I, O> {
  /** Called per record; emit results with `emit`. Throwing hands the record to the error policy. */
  next(value: I, emit: (out: O) => void): void;
  /** Called once the batch's records are all processed; may emit and may be async. */
  complete?(emit: (out: O) => void): void | Promise<void>;
}

/**
 * The input record a typed record came from, for the error policy: a stand-in with its
 * coordinates, which the task replaces with the batch's record (key and value bytes included).
 */
export function originOf(r: unknown): InputRecord {
  const x = r as Rec;
  const standIn: InputRecord & { [ORIGIN_ONLY]: true } = {
    [ORIGIN_ONLY]: true,
    topic: x.topic ?? '',
    partition: x.partition ?? -1,
    offset: x.offset ?? -1,
    key: null,
    value: null,
    headers: x.headers ?? {},
    timestamp: x.timestamp ?? 0,
  };
  return standIn;
}

export function recordOperator<I, O>(ctx: TaskContext, hooks: RecordOperatorHooks<I, O>): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) => {
      const emit = (o: O) => subscriber.next(o);
      const pending: Promise<unknown>[] = [];
      return source.subscribe({
        next(value) {
          try {
            hooks.next(value, emit);
          } catch (err) {
            pending.push(ctx.handleError(originOf(value), err, () => hooks.next(value, emit)));
          }
        },
        error: (err) => subscriber.error(err),
        complete() {
          Promise.all(pending)
            .then(() => hooks.complete?.(emit))
            .then(
              () => subscriber.complete(),
              (err) => subscriber.error(err),
            );
        },
      });
    });
}

/** Runs `op` once a store's restore has finished; only the first batch of a task waits. */
export function afterRestore<I, O>(restore: Promise<unknown>, op: OperatorFunction<I, O>): OperatorFunction<I, O> {
  let ready = false;
  void restore.then(
    () => (ready = true),
    () => {},
  );
  return (source) => (ready ? op(source) : from(restore).pipe(mergeMap(() => op(source))));
}

/**
 * A stateless operator over one record at a time (mapValues, selectKey, peek, …): a processor node
 * of `kind` in a topology, and usable as it is inside your own operators (it finds its task).
 */
export function perRecordOperator<I, O>(kind: string, next: (value: I, emit: (out: O) => void) => void): SluiceOperator<I, O> {
  return sluiceOperator<I, O>(processorNode(kind, (t) => recordOperator<I, O>(t.ctx, { next })), (source) => recordOperator<I, O>(currentTask(), { next })(source));
}

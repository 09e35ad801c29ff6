/**
 * Which task an operator is running for. RxJS applies an operator function once per
 * subscription (once per batch); state must outlive a batch and belong to one task. The pipeline
 * sets the current task while it composes the operators for a batch (synchronously), and a
 * stateful operator picks its per-task state from a WeakMap keyed by that task.
 */
import type { TaskContext } from '../core/worker/contracts.js';

let current: TaskContext | null = null;

export function withTask<T>(ctx: TaskContext, fn: () => T): T {
  const prev = current;
  current = ctx;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** `withTask(ctx, () => fn(arg))` without a closure per call (side inputs apply one per record). */
export function callInTask<A>(ctx: TaskContext, fn: (arg: A) => void, arg: A): void {
  const prev = current;
  current = ctx;
  try {
    fn(arg);
  } finally {
    current = prev;
  }
}

export function currentTask(): TaskContext {
  if (!current) throw new Error('a Sluice operator was used outside a pipeline (use it inside app.stream(...).pipe(...))');
  return current;
}

/** Per-task state of one operator instance, created on first use. */
export function taskState<S>(init: (ctx: TaskContext) => S): () => { ctx: TaskContext; state: S } {
  const states = new WeakMap<TaskContext, S>();
  return () => {
    const ctx = currentTask();
    let s = states.get(ctx);
    if (s === undefined) {
      s = init(ctx);
      states.set(ctx, s);
    }
    return { ctx, state: s };
  };
}

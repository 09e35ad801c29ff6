/**
 * A sub-topology bound to one task: every node's operator is made once when the task opens, and
 * each batch flows from the source through the tree of processors (a node with several
 * successors hands every record to each of them). Records of side inputs (tables, the other
 * side of a join, merged topics) go to the processors that declared them, in the batch's order
 * (the worker merges a task's inputs by timestamp), and the first batch waits for every restore.
 */
import { merge as mergeObservables, Observable, Subject, type Subscription } from 'rxjs';
import type { InputRecord, TaskContext } from '../../core/worker/contracts.js';
import { afterRestore } from '../operator.js';
import { callInTask, withTask } from '../task-scope.js';
import type { AnyOperator, TaskBinding } from './node.js';
import type { GraphNode, Subtopology } from './subtopology.js';
import { counted, nodeCounter } from './node-counter.js';

export class Binding implements TaskBinding {
  readonly side = new Map<string, (r: InputRecord) => void>();
  readonly waits: Array<Promise<unknown>> = [];
  private readonly values = new Map<object, unknown>();

  constructor(
    readonly ctx: TaskContext,
    readonly valuesRead: boolean,
  ) {}

  onSideInput(topic: string, apply: (r: InputRecord) => void): void {
    const before = this.side.get(topic);
    this.side.set(topic, before ? (r) => (before(r), apply(r)) : apply);
  }

  waitFor(ready: Promise<unknown>): void {
    this.waits.push(ready);
  }

  shared<T>(key: object, init: () => T): T {
    if (!this.values.has(key)) this.values.set(key, init());
    return this.values.get(key) as T;
  }
}

/** Runs `ops` one after the other (a chain with no fan-out, the usual case, costs nothing more). */
export function chainOf(ops: AnyOperator[]): AnyOperator {
  return (src) => ops.reduce((s, f) => f(s), src);
}

export function buildTask(sub: Subtopology, ctx: TaskContext): AnyOperator {
  const t = new Binding(ctx, sub.readsSourceValues());
  const ops = new Map<GraphNode, AnyOperator>();
  for (const n of sub.nodes) if (n.bind && !n.inline) ops.set(n, n.bind(t));
  const counts = new Map(sub.nodes.filter((n) => !n.inline).map((n) => [n, nodeCounter(ctx.metrics, sub.name, n.name)]));
  countSideInputs(sub, t, counts);
  const run = (n: GraphNode, src: Observable<unknown>): Observable<unknown> => {
    const op = ops.get(n);
    const input = counted(src, counts.get(n)!);
    const out = op ? op(input) : input;
    const next = n.children.filter((c) => !c.inline);
    if (next.length === 0) return out;
    if (next.length === 1) return run(next[0]!, out);
    return fanOut(out, next.map((c) => (s: Observable<unknown>) => run(c, s)));
  };
  const chain: AnyOperator = (src) => withTask(ctx, () => run(sub.source, src));
  if (t.side.size === 0 && t.waits.length === 0) return chain;
  if (t.side.size === 0) return afterRestore(Promise.all(t.waits), chain);
  return afterRestore(Promise.all(t.waits), (src) => routeSideInputs(ctx, src, t.side, chain));
}

/** A side input's records are counted at the source node that reads their topic. */
function countSideInputs(sub: Subtopology, t: Binding, counts: Map<GraphNode, { inc(by?: number): void }>): void {
  for (const [topic, apply] of t.side) {
    const node = sub.nodes.find((n) => n.type === 'source' && n !== sub.source && n.topics.includes(topic));
    const count = node && counts.get(node);
    if (count) t.side.set(topic, (r) => (count.inc(), apply(r)));
  }
}

/**
 * Every record of `src` to each successor. The successors are composed now, in the task's scope
 * (operators that look their task up do so when applied). `src` is subscribed only once every
 * successor has subscribed: one may subscribe late (a stateful operator waits for its store's
 * restore on a task's first batch) and must not miss the records pushed meanwhile.
 */
function fanOut(src: Observable<unknown>, next: Array<(s: Observable<unknown>) => Observable<unknown>>): Observable<unknown> {
  const subjects = next.map(() => new Subject<unknown>());
  let waiting = next.length;
  let connect: (() => void) | undefined;
  const gated = subjects.map(
    (subject) =>
      new Observable<unknown>((subscriber) => {
        const sub = subject.subscribe(subscriber);
        if (--waiting === 0) connect?.();
        return sub;
      }),
  );
  const outs = next.map((f, i) => f(gated[i]!));
  return new Observable((subscriber) => {
    let outer: Subscription | undefined;
    connect = () => {
      outer = src.subscribe({
        next: (v) => {
          for (const s of subjects) s.next(v);
        },
        error: (e) => subjects.forEach((s) => s.error(e)),
        complete: () => subjects.forEach((s) => s.complete()),
      });
    };
    const inner = mergeObservables(...outs).subscribe(subscriber);
    if (waiting === 0 && !outer) connect();
    return () => {
      outer?.unsubscribe();
      inner.unsubscribe();
    };
  });
}

/**
 * Applies side-input records and passes the chain's own records on, one record at a time in the
 * batch's order, so a record sees a table or the other side of a join as of its time.
 */
function routeSideInputs(ctx: TaskContext, src: Observable<InputRecord>, side: Map<string, (r: InputRecord) => void>, chain: AnyOperator): Observable<unknown> {
  return new Observable((subscriber) => {
    const stream = new Subject<InputRecord>();
    const inner = chain(stream).subscribe(subscriber);
    const pending: Promise<unknown>[] = [];
    // Records come in runs of one topic: the last lookup is kept.
    let lastTopic: string | undefined;
    let lastApply: ((r: InputRecord) => void) | undefined;
    const outer = src.subscribe({
      next(r) {
        if (r.topic !== lastTopic) {
          lastTopic = r.topic;
          lastApply = side.get(r.topic);
        }
        const apply = lastApply;
        if (!apply) return stream.next(r);
        try {
          callInTask(ctx, apply, r);
        } catch (err) {
          pending.push(ctx.handleError(r, err));
        }
      },
      error: (e) => stream.error(e),
      complete: () => void Promise.all(pending).then(() => stream.complete(), (e) => stream.error(e)),
    });
    return () => {
      outer.unsubscribe();
      inner.unsubscribe();
    };
  });
}

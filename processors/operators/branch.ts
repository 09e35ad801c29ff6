/**
 * branch(predicates, branches): splits the stream — each record goes to the first branch whose
 * predicate it passes (a record passing none is dropped), and every branch continues with its own
 * operators, usually ending in `to(...)`. What the branches emit flows on downstream.
 *
 *   branch(
 *     { big: (r) => r.value.amount >= 100, small: () => true },
 *     { big: [to('big-orders')], small: [mapValues((o) => o.id), to('small-order-ids')] },
 *   )
 *
 * Branches hold stateless operators and `to`; stateful ones (aggregations, joins, groupByKey with
 * a new key) belong in their own `app.stream(...)` pipeline over the branch's output topic.
 */
import { merge as mergeObservables, Observable, Subject, type OperatorFunction } from 'rxjs';
import { InvalidConfigError } from '../../core/errors.js';
import { recordOperator } from '../operator.js';
import { nodeOf, sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import { withTask } from '../task-scope.js';
import type { AnyOperator, InlineChain } from '../topology/node.js';
import type { Rec } from '../types.js';

export function branch<K, V>(
  predicates: Record<string, (r: Rec<K, V>) => boolean>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  branches: Record<string, Array<OperatorFunction<any, any>>>,
): SluiceOperator<Rec<K, V>, unknown> {
  const names = Object.keys(predicates);
  for (const name of names) {
    for (const op of branches[name] ?? []) {
      const node = nodeOf(op);
      if (node && !node.stateless) throw new InvalidConfigError(`branch "${name}": ${node.kind} operators cannot run inside a branch; write the branch to a topic and build a pipeline on it`);
    }
  }
  return sluiceOperator<Rec<K, V>, unknown>({
    kind: 'branch',
    writeToTopology(b) {
      const chains: InlineChain[] = [];
      b.processor((t) => {
        const ctx = t.ctx;
        const bound = chains.map((c) => c.bind(t));
        return (source) =>
          new Observable<unknown>((subscriber) => {
            const subjects = names.map(() => new Subject<Rec<K, V>>());
            // Composed per batch, in the task's scope (plain operators may look their task up).
            const outs = withTask(ctx, () => bound.map((op: AnyOperator, i) => op(subjects[i]!) as Observable<unknown>));
            const inner = mergeObservables(...outs).subscribe(subscriber);
            const route = recordOperator<Rec<K, V>, never>(ctx, {
              next(r) {
                const i = names.findIndex((n) => predicates[n]!(r));
                if (i >= 0) subjects[i]!.next(r);
              },
            });
            const outer = route(source).subscribe({
              error: (e) => subjects.forEach((s) => s.error(e)),
              complete: () => subjects.forEach((s) => s.complete()),
            });
            return () => {
              outer.unsubscribe();
              inner.unsubscribe();
            };
          });
      });
      for (const name of names) chains.push(b.inline(name, branches[name] ?? []));
    },
  });
}

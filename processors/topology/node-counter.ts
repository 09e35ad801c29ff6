/**
 * Records per topology node of the DSL (core/worker/node-records.ts): each node of a task counts
 * the records that enter it. A record costs one field increment in an observer object; the metric
 * is updated once per batch, when the batch's subscription ends.
 */
import { Observable, type Observer, type Subscriber } from 'rxjs';
import type { NodeCount } from '../../core/worker/node-records.js';

export { nodeCounter } from '../../core/worker/node-records.js';

class CountingObserver implements Observer<unknown> {
  n = 0;
  constructor(private readonly out: Subscriber<unknown>) {}
  next(v: unknown): void {
    this.n++;
    this.out.next(v);
  }
  error(e: unknown): void {
    this.out.error(e);
  }
  complete(): void {
    this.out.complete();
  }
}

/** `src` as it is, counting its records into `count` when the subscription ends (complete, error or unsubscribe). */
export function counted<T>(src: Observable<T>, count: NodeCount): Observable<T> {
  return new Observable<T>((out) => {
    const o = new CountingObserver(out as Subscriber<unknown>);
    const sub = src.subscribe(o);
    return () => {
      sub.unsubscribe();
      if (o.n > 0) count.inc(o.n);
      o.n = 0;
    };
  });
}

/** Pieces every windowed aggregation shares: the shape of a result, and what happens to a late record. */
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Rec, Windowed } from '../types.js';

/** A windowed result: key {key, window}, the window's largest timestamp, the triggering record's origin. */
export function windowedResult<K, A>(
  ctx: TaskContext,
  key: K,
  window: { start: number; end: number },
  value: A,
  timestamp: number,
  origin: Rec<K, unknown> | null,
): Rec<Windowed<K>, A> {
  return {
    key: { key, window },
    value,
    timestamp,
    headers: origin?.headers ?? {},
    topic: origin?.topic ?? '',
    partition: origin?.partition ?? ctx.partition,
    offset: origin?.offset ?? -1,
  };
}

/** Counts a late record and, when the aggregation names one, writes it to the late-records topic. */
export function lateRecordHandler(ctx: TaskContext, store: string, lateRecordsTopic: string | undefined) {
  const counter = ctx.metrics.counter('sluice_late_records_total', 'records dropped because their window had closed (end + grace <= stream time)', { store });
  return (keyJson: string, r: Rec<unknown, unknown>): void => {
    counter.inc();
    if (lateRecordsTopic) ctx.send(lateRecordsTopic, [{ key: keyJson, value: JSON.stringify(r.value), timestamp: r.timestamp, headers: r.headers }]);
  };
}

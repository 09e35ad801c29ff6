/** Pieces every windowed aggregation shares: the shape of a result, and what happens to a late record. */
import { JSON_TEXT, type KnowsJsonText } from '../../core/serde/json.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Rec, Window, Windowed } from '../types.js';

/**
 * The key of a windowed result, `{key, window}`. It keeps the key's JSON text, which the
 * aggregation computed to find the window, so writing the result with the json serde costs one
 * string concatenation instead of a JSON.stringify of two nested objects.
 */
class WindowedKey<K> implements Windowed<K>, KnowsJsonText {
  readonly #keyJson: string | undefined;

  constructor(
    readonly key: K,
    readonly window: Window,
    keyJson: string | undefined,
  ) {
    this.#keyJson = keyJson;
  }

  [JSON_TEXT](): string {
    const keyJson = this.#keyJson ?? JSON.stringify(this.key);
    // An undefined key is left out by JSON.stringify; let it do so.
    if (keyJson === undefined) return JSON.stringify(this);
    return `{"key":${keyJson},"window":{"start":${this.window.start},"end":${this.window.end}}}`; // window bounds are finite numbers
  }
}

/** A windowed result: key {key, window}, the window's largest timestamp, the triggering record's origin. */
export function windowedResult<K, A>(
  ctx: TaskContext,
  key: K,
  window: Window,
  value: A,
  timestamp: number,
  origin: Rec<K, unknown> | null,
  /** `JSON.stringify(key)`, when the caller has it. */
  keyJson?: string,
): Rec<Windowed<K>, A> {
  return {
    key: new WindowedKey(key, window, keyJson),
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

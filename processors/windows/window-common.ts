/** Pieces every windowed aggregation shares: the shape of a result, and what happens to a late record. */
import { JSON_TEXT, type KnowsJsonText } from '../../core/serde/json.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Rec, Window, Windowed } from '../types.js';

/**
 * A window that many results share (all keys' windows of one start), with the JSON text of its
 * half of a windowed key made once: event-time bounds are doubles beyond the small-integer range,
 * and turning two of them into text for every result cost more than the rest of the key.
 */
export interface SharedWindow {
  readonly window: Window;
  /** `,"window":{"start":…,"end":…}}`: the end of a windowed key's JSON text. */
  readonly keyTextTail: string;
}

export function sharedWindow(start: number, end: number): SharedWindow {
  return { window: Object.freeze({ start, end }), keyTextTail: windowKeyTextTail(start, end) };
}

const windowKeyTextTail = (start: number, end: number) => `,"window":{"start":${start},"end":${end}}}`; // window bounds are finite numbers

/**
 * The key of a windowed result, `{key, window}`. It keeps the key's JSON text, which the
 * aggregation computed to find the window, so writing the result with the json serde costs one
 * string concatenation instead of a JSON.stringify of two nested objects.
 */
class WindowedKey<K> implements Windowed<K>, KnowsJsonText {
  readonly #keyJson: string | undefined;
  readonly #tail: string | undefined;

  constructor(
    readonly key: K,
    readonly window: Window,
    keyJson: string | undefined,
    tail: string | undefined,
  ) {
    this.#keyJson = keyJson;
    this.#tail = tail;
  }

  [JSON_TEXT](): string {
    const keyJson = this.#keyJson ?? JSON.stringify(this.key);
    // An undefined key is left out by JSON.stringify; let it do so.
    if (keyJson === undefined) return JSON.stringify(this);
    // join() makes one flat string; `+` would make a rope that the encoder has to flatten before
    // it can measure and copy it (about 100 ns more per result, measured).
    return ['{"key":', keyJson, this.#tail ?? windowKeyTextTail(this.window.start, this.window.end)].join('');
  }
}

/** Headers of a result made when a window closes: none. One frozen object, as decoded records without headers share one. */
const NO_HEADERS = Object.freeze({}) as Record<string, Buffer>;

/**
 * A windowed result: key {key, window}, the window's largest timestamp, the triggering record's
 * origin. `window` is a plain window or a SharedWindow (whose text is reused).
 */
export function windowedResult<K, A>(
  ctx: TaskContext,
  key: K,
  window: Window | SharedWindow,
  value: A,
  timestamp: number,
  origin: Rec<K, unknown> | null,
  /** `JSON.stringify(key)`, when the caller has it. */
  keyJson?: string,
): Rec<Windowed<K>, A> {
  const shared = 'keyTextTail' in window ? window : undefined;
  return {
    key: new WindowedKey(key, shared ? shared.window : (window as Window), keyJson, shared?.keyTextTail),
    value,
    timestamp,
    headers: origin?.headers ?? NO_HEADERS,
    topic: origin?.topic ?? '',
    partition: origin?.partition ?? ctx.partition,
    offset: origin?.offset ?? -1,
  };
}

/**
 * Counts a dropped late record and, when the aggregation names one, writes it to the late-records
 * topic. As Kafka's dropped-records metric, a drop is counted per (record, window): a hopping
 * record late for two of its windows counts twice (even if it updated a third), and each drop is
 * written once, with the window it missed in the header `sluice.late.window` (`[start,end)`, or
 * `[start,end]` for sliding and session windows: `inclusive`). The window's text is made only
 * when it is written.
 */
export function lateRecordHandler(ctx: TaskContext, store: string, lateRecordsTopic: string | undefined) {
  const counter = ctx.metrics.counter('sluice_late_records_total', 'records dropped because their window had closed (end + grace <= stream time), counted per record and window', { store });
  return (keyJson: string, r: Rec<unknown, unknown>, start: number, end: number, inclusive = false): void => {
    counter.inc();
    if (lateRecordsTopic) {
      const headers = { ...r.headers, 'sluice.late.window': Buffer.from(`[${start},${end}${inclusive ? ']' : ')'}`) };
      ctx.send(lateRecordsTopic, [{ key: keyJson, value: JSON.stringify(r.value), timestamp: r.timestamp, headers }]);
    }
  };
}

/** Compares two keys' JSON texts: the order of their serialized bytes under the default json serde (Kafka orders by key bytes). */
export function compareKeyText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

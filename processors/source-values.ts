/**
 * The bytes a stream's values were decoded from, for a store right after the stream's source
 * that logs those values (a stream-stream join's left store): logging the bytes as they were read
 * spares serializing each value again (about 5 % of P3's CPU, BENCHMARKS.md issue 21 item 3).
 *
 * Why it is safe, and only then: the bytes stand for the value only while nothing could have
 * changed the value since it was decoded. So the operator must be the source's only child
 * (no other operator, nor a sibling of a fan-out, sees the record first and could mutate its
 * value), the source must not run a timestamp extractor (user code given the value), and the
 * record must be the very object the decoder made last (a record made or re-emitted otherwise,
 * or applied later, as stores that load first do, falls back to serializing). The store must
 * write values with the serde the source read them with (checked by the operator). Code that
 * runs after the join was given the value (its joiner, downstream operators) must not mutate it,
 * as Kafka Streams requires of a ValueJoiner (docs/dsl.md, Join stores): the store keeps the
 * object it was given, and the changelog holds the value as read.
 *
 * Records are handed from the decoder to the next operator synchronously, one at a time, so the
 * decoder keeps only the last one: no field is added to the records themselves.
 */
import { BatchRecord } from '../core/log/record-batch.js';
import type { Serde } from '../core/serde/types.js';
import type { InputRecord } from '../core/worker/contracts.js';

/** Where a value's bytes are: `body[start, end)`; `body` null when the value is null. */
export interface ValueRange {
  body: Buffer | null;
  start: number;
  end: number;
}

/** Sets `out` to where `r`'s value bytes are, without a Buffer made for a lazy record's value. */
export function valueRange(r: InputRecord, out: ValueRange): void {
  if (r instanceof BatchRecord && r.valueLength >= -1) {
    out.body = r.valueLength < 0 ? null : r.batch.body;
    out.start = r.valueStart;
    out.end = r.valueStart + r.valueLength;
    return;
  }
  const v = r.value;
  out.body = v;
  out.start = 0;
  out.end = v === null ? 0 : v.length;
}

export class SourceValues {
  /** Whether an operator asked: the decoder keeps nothing otherwise. */
  watched = false;
  private rec: object | null = null;
  private input: InputRecord | null = null;

  /** `serde`: the stream's value serde as given (undefined: the default json). */
  constructor(readonly serde: Serde<unknown> | undefined) {}

  /** The decoder made `rec` from `input`. */
  decoded(rec: object, input: InputRecord): void {
    this.rec = rec;
    this.input = input;
  }

  /** The input record `rec`'s value was decoded from, when `rec` is the record the decoder made last; else null. */
  inputOf(rec: object): InputRecord | null {
    return rec === this.rec ? this.input : null;
  }
}

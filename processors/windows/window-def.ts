/**
 * Window definitions, with Kafka Streams' semantics (docs/architecture.md, "Stream-processing semantics"):
 * - tumbling(size) = hopping(size, size): windows [start, end) aligned to the epoch;
 * - hopping(size, advance): a record at t belongs to every window [s, s + size) with s a multiple
 *   of advance and s <= t < s + size;
 * - grace: a record updates window [s, e) only if e + grace > stream time.
 * - session(gap): see processors/windows/session-aggregate.ts.
 */
import { InvalidConfigError } from '../../core/errors.js';
import { toMs, type Duration } from './duration.js';

export interface HoppingWindowDef {
  type: 'hopping';
  size: number;
  advance: number;
  grace: number;
}

/** Session windows: records of a key closer than `gap` belong to one session [first, last]. */
export interface SessionWindowDef {
  type: 'session';
  gap: number;
  grace: number;
}

/** Sliding windows: [t − d, t] for every record, and [t + 1, t + 1 + d] where a record falls in it. */
export interface SlidingWindowDef {
  type: 'sliding';
  maxDifference: number;
  grace: number;
}

export type WindowDef = HoppingWindowDef | SessionWindowDef | SlidingWindowDef;

export function sliding(maxDifference: Duration, opts: { grace?: Duration } = {}): SlidingWindowDef {
  const d = toMs(maxDifference, 'sliding window time difference');
  if (d <= 0) throw new InvalidConfigError('sliding window time difference must be positive');
  return { type: 'sliding', maxDifference: d, grace: toMs(opts.grace ?? 0, 'grace') };
}

export function session(inactivityGap: Duration, opts: { grace?: Duration } = {}): SessionWindowDef {
  const gap = toMs(inactivityGap, 'session inactivity gap');
  if (gap <= 0) throw new InvalidConfigError('session inactivity gap must be positive');
  return { type: 'session', gap, grace: toMs(opts.grace ?? 0, 'grace') };
}

export function hopping(size: Duration, advance: Duration, opts: { grace?: Duration } = {}): HoppingWindowDef {
  const s = toMs(size, 'window size');
  const a = toMs(advance, 'window advance');
  if (s <= 0) throw new InvalidConfigError('window size must be positive');
  if (a <= 0 || a > s) throw new InvalidConfigError(`window advance must be positive and at most the size (${s} ms), got ${a}`);
  return { type: 'hopping', size: s, advance: a, grace: toMs(opts.grace ?? 0, 'grace') };
}

export function tumbling(size: Duration, opts: { grace?: Duration } = {}): HoppingWindowDef {
  return hopping(size, size, opts);
}

/** Starts of the windows containing t, ascending. */
export function windowStarts(def: HoppingWindowDef, t: number): number[] {
  const out: number[] = [];
  const last = t - (((t % def.advance) + def.advance) % def.advance);
  for (let s = last; s > t - def.size; s -= def.advance) if (s >= 0) out.unshift(s);
  return out;
}

/** Durations as milliseconds or strings like "200ms", "5s", "1m", "2h". */
import { InvalidConfigError } from '../../core/errors.js';

export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function toMs(d: Duration, what = 'duration'): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new InvalidConfigError(`${what} must be a non-negative number of milliseconds, got ${d}`);
    return d;
  }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(d.trim());
  if (!m) throw new InvalidConfigError(`${what} "${d}" is not a duration like "500ms", "5s", "1m"`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

/** A duration that may be negative (a join window's before or after): -10, "-5s". */
export function toSignedMs(d: Duration, what = 'duration'): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d)) throw new InvalidConfigError(`${what} must be a finite number of milliseconds, got ${d}`);
    return d;
  }
  const t = d.trim();
  return t.startsWith('-') ? -toMs(t.slice(1), what) : toMs(t, what);
}

/**
 * Parsers of option values. Each refuses a bad value with a UsageError naming the option and
 * what it takes, e.g. `--partitions must be an integer from 1 to 10000, got "-1"`.
 */
import { MAX_PARTITIONS } from '../core/log/topic-config.js';
import { UsageError } from './args.js';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const n = /^[-+]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? (min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`) : `an integer from ${min} to ${max}`;
      throw new UsageError(`${flag} must be ${range}, got "${raw}"`);
    }
    return n;
  };
}

export const partitionCount = integer(1, MAX_PARTITIONS);
export const port = integer(0, 65535);

export function oneOf<T extends string>(...choices: T[]): (raw: string, flag: string) => T {
  return (raw, flag) => {
    if (!(choices as string[]).includes(raw)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got "${raw}"`);
    return raw as T;
  };
}

/** `key=value` (a topic config, a header). */
export function keyValue(raw: string, flag: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} must look like KEY=VALUE, got "${raw}"`);
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

/** A point in time: milliseconds since the epoch, or an ISO 8601 date (`2026-12-01T10:00:00Z`). */
export function timestamp(raw: string, flag: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const t = /^\d{4}-\d\d-\d\d/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`${flag} must be milliseconds since the epoch or an ISO 8601 date such as 2026-12-01T10:00:00Z, got "${raw}"`);
  return t;
}

/** Where to start reading: an offset, earliest, latest, or -N (N records before the end). */
export type StartOffset = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number } | { kind: 'fromEnd'; count: number };

export function startOffset(raw: string, flag: string): StartOffset {
  if (raw === 'earliest' || raw === 'beginning') return { kind: 'earliest' };
  if (raw === 'latest' || raw === 'end') return { kind: 'latest' };
  if (/^\d+$/.test(raw)) return { kind: 'offset', offset: Number(raw) };
  if (/^-\d+$/.test(raw) && raw !== '-0') return { kind: 'fromEnd', count: -Number(raw) };
  throw new UsageError(`${flag} must be an offset N, earliest, latest or -N (N records before the end), got "${raw}"`);
}

/** A comma-separated list of Kafka brokers, host:port each. */
export function brokerList(raw: string, flag: string): string[] {
  const list = raw.split(',').map((b) => b.trim()).filter(Boolean);
  if (list.length === 0 || list.some((b) => !/^[^\s:]+:\d{1,5}$/.test(b))) throw new UsageError(`${flag} must be host:port[,host:port...], got "${raw}"`);
  return list;
}

/** Any text that is not empty. */
export function nonEmpty(raw: string, flag: string): string {
  if (raw === '') throw new UsageError(`${flag} must not be empty`);
  return raw;
}

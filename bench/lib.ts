/**
 * Shared pieces of the benchmark workloads (docs/benchmarks.md): the seeded data, the
 * warm-up + 3 runs + median protocol, and the `id figure value unit` output lines that
 * bench/run.ts collects into its summary table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import type { LogClient } from '../core/client/types.js';

/** mulberry32, the PRNG docs/benchmarks.md names (seed 42 for keys). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` keys `user-00000` … `user-09999` drawn with mulberry32(42). */
export function userKeys(count: number, seed = 42): string[] {
  const rnd = mulberry32(seed);
  const keys = new Array<string>(count);
  for (let i = 0; i < count; i++) keys[i] = `user-${String(Math.floor(rnd() * 10000)).padStart(5, '0')}`;
  return keys;
}

/** `count` random 100-byte values from mulberry32(seed), sharing one backing buffer. */
export function randomValues(count: number, size = 100, seed = 4242): Buffer[] {
  const rnd = mulberry32(seed);
  const all = Buffer.allocUnsafe(count * size);
  for (let i = 0; i < all.length; i++) all[i] = (rnd() * 256) | 0;
  const out = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) out[i] = all.subarray(i * size, (i + 1) * size);
  return out;
}

/** A JSON text padded to exactly `size` bytes. */
export function padJson(obj: Record<string, unknown>, size = 100): string {
  const base = JSON.stringify({ ...obj, p: '' });
  const pad = size - Buffer.byteLength(base);
  if (pad < 0) return base;
  return JSON.stringify({ ...obj, p: 'x'.repeat(pad) });
}

export const ACTIONS = ['hover', 'move', 'idle', 'click'] as const;

/**
 * Activity events: ts from 1.7e12, +1 ms per event, uniform integer jitter in [-500, 500] ms (seed
 * 42), drawn exactly as shared/bench-ref/limits.mjs draws them, so P2's windows and dropped counts
 * can be compared with the reference's.
 */
export function activityEvents(count: number, seed = 42): Array<{ userId: string; action: string; ts: number }> {
  return Array.from(activityEventStream(count, seed));
}

/** activityEvents one at a time, for workloads that must not hold them all. */
export function* activityEventStream(count: number, seed = 42): Generator<{ userId: string; action: string; ts: number }> {
  const rnd = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const userId = `user-${String(Math.floor(rnd() * 10000)).padStart(5, '0')}`;
    const action = ACTIONS[Math.floor(rnd() * 4)]!;
    const ts = 1_700_000_000_000 + i + (Math.floor(rnd() * 1001) - 500);
    yield { userId, action, ts };
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Prints one figure line: `id figure value unit`. */
export function report(id: string, figure: string, value: number, unit: string): void {
  const v = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
  process.stdout.write(`${id} ${figure} ${v} ${unit}\n`);
}

/**
 * docs/benchmarks.md's protocol: one warm-up run, then 3 timed runs; returns the median rate
 * (`items` per second). `setup` runs untimed before each run, `teardown` untimed after it.
 */
export async function measure(
  items: number,
  run: () => Promise<void> | void,
  setup?: () => Promise<void> | void,
  runs = 3,
  teardown?: () => Promise<void> | void,
): Promise<{ rate: number; seconds: number[] }> {
  if (setup) await setup();
  await run();
  if (teardown) await teardown();
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (setup) await setup();
    const t0 = performance.now();
    await run();
    seconds.push((performance.now() - t0) / 1000);
    if (teardown) await teardown();
  }
  return { rate: items / median(seconds), seconds };
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** CPU time (ms, user + system) another process of this machine has used so far (a walsender, a backend); NaN when it is gone. */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

/** CPU time (ms, user + system, every thread) this process has used since `since`. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** Starts a CPU profile of this process when `file` is given; the function returned stops it and writes it there. */
export async function startCpuProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Resolves once consumer group `group` has committed `total` records over all its partitions (polled every pollMs). */
export async function waitForCommitted(client: LogClient, group: string, total: number, pollMs = 5): Promise<void> {
  for (;;) {
    const g = await client.admin().describeGroup(group);
    if (g.offsets.reduce((sum, o) => sum + o.committed, 0) >= total) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * The reference limits every workload is reported against (issue 21): `shared/bench-ref/limits.mjs`
 * from the steering repository, dependency-free, run in the same `npm run bench` invocation as the
 * workloads, because this machine's speed varies by 2x over hours and only same-run ratios compare.
 *
 * Found by walking up from the repository root to a `shared/bench-ref/limits.mjs` (the checkout
 * normally sits beside `shared/`), or named by SLUICE_BENCH_REF.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function findReference(repoRoot: string): string | undefined {
  if (process.env.SLUICE_BENCH_REF) return existsSync(process.env.SLUICE_BENCH_REF) ? resolve(process.env.SLUICE_BENCH_REF) : undefined;
  for (let dir = dirname(repoRoot); ; dir = dirname(dir)) {
    const file = join(dir, 'shared', 'bench-ref', 'limits.mjs');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Runs the reference (its sections: fs, p2, p2-late) and returns `REF <name> <value>` as a map. */
export function runReference(file: string, sections: string[]): Map<string, number> {
  const res = spawnSync(process.execPath, [file, ...sections], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  process.stdout.write(res.stdout ?? '');
  const refs = new Map<string, number>();
  for (const line of (res.stdout ?? '').split('\n')) {
    const m = /^REF (\S+) (\S+)/.exec(line);
    if (m) refs.set(m[1]!, Number(m[2]));
  }
  return refs;
}

/**
 * Which reference bounds which figure. A workload without an entry (H1: bounded by HTTP, not by
 * this process) is reported in absolute figures only. P3's, C1's and C2's references are plain
 * loops the workload itself measures in the same run, interleaved with its own runs (C1 and C2
 * are bounded by Postgres as much as by this process, so limits.mjs cannot bound them).
 */
export const RATIOS: Array<{ id: string; figure: string; ref: string; sections: string[] }> = [
  { id: 'L1', figure: 'relaxed-records', ref: 'fs-append-relaxed', sections: ['fs'] },
  { id: 'L1', figure: 'durable-records', ref: 'fs-append-durable', sections: ['fs'] },
  { id: 'L2', figure: 'read-records', ref: 'fs-read', sections: ['fs'] },
  { id: 'L3', figure: 'keyed-produce', ref: 'fs-append-relaxed', sections: ['fs'] },
  { id: 'B1', figure: 'kafkajs-produce', ref: 'fs-append-relaxed', sections: ['fs'] },
  { id: 'B1', figure: 'kcat-produce', ref: 'fs-append-relaxed', sections: ['fs'] },
  { id: 'B2', figure: 'kafkajs-consume', ref: 'fs-read', sections: ['fs'] },
  { id: 'B2', figure: 'kcat-consume', ref: 'fs-read', sections: ['fs'] },
  { id: 'P1', figure: 'records', ref: 'fs-append-relaxed', sections: ['fs'] },
  { id: 'P2', figure: 'events', ref: 'p2-plain-json', sections: ['p2'] },
  { id: 'P2-late', figure: 'events', ref: 'p2-late-plain-json', sections: ['p2-late'] },
  { id: 'P2-threads', figure: 'events', ref: 'p2-plain-json', sections: ['p2'] },
  { id: 'P3', figure: 'records', ref: 'P3 plain-loop', sections: [] },
  { id: 'C1', figure: 'catch-up', ref: 'C1 plain-catch-up', sections: [] },
  { id: 'C2', figure: 'upsert', ref: 'C2 plain-copy-merge', sections: [] },
  { id: 'E1', figure: 'records', ref: 'fs-append-relaxed', sections: ['fs'] },
  { id: 'R1', figure: 'restore-records', ref: 'fs-append-relaxed', sections: ['fs'] },
  { id: 'R1-window', figure: 'restore-records', ref: 'fs-append-relaxed', sections: ['fs'] },
];

/** Sections of the reference the chosen workloads need. */
export function sectionsFor(ids: string[]): string[] {
  const wanted = new Set(ids.flatMap((id) => RATIOS.filter((r) => r.id === id || r.id.startsWith(`${id}-`)).flatMap((r) => r.sections)));
  return ['fs', 'p2', 'p2-late'].filter((s) => wanted.has(s));
}

/**
 * `<id> ratio-to-ref <x> x (<figure> / REF <name> <value>)` lines for a workload's output, plus a
 * check that P2 and P2-late emitted the windows and dropped the events the reference did.
 */
export function ratioLines(output: string, refs: Map<string, number>): string[] {
  const figures = new Map<string, number>();
  for (const line of output.split('\n')) {
    const [id, figure, value] = line.split(' ');
    if (id && figure && value !== undefined) figures.set(`${id} ${figure}`, Number(value));
  }
  const lines: string[] = [];
  for (const r of RATIOS) {
    const v = figures.get(`${r.id} ${r.figure}`);
    const ref = refs.get(r.ref) ?? figures.get(r.ref);
    if (v === undefined || ref === undefined || !(ref > 0)) continue;
    const name = RATIOS.filter((x) => x.id === r.id).length > 1 ? `${r.figure}-ratio-to-ref` : 'ratio-to-ref';
    lines.push(`${r.id} ${name} ${(v / ref).toFixed(3)} x (${v} / REF ${r.ref} ${ref})`);
  }
  const same = (id: string, figure: string, refName: string) => {
    const v = figures.get(`${id} ${figure}`);
    const ref = refs.get(refName);
    if (v !== undefined && ref !== undefined) lines.push(`${id} ${figure}-vs-ref ${v === ref ? 'same' : 'DIFFERENT'} (${v} / REF ${refName} ${ref})`);
  };
  same('P2', 'windows', 'p2-plain-json-windows');
  same('P2', 'dropped', 'p2-plain-json-dropped');
  same('P2-late', 'windows', 'p2-late-plain-json-windows');
  same('P2-late', 'dropped', 'p2-late-plain-json-dropped');
  return lines;
}

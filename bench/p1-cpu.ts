/**
 * Diagnostic (not a workload): P1's pipeline alone on one prepared input (copied per run), CPU
 * seconds of this process per million records and the wall rate of the steady state, as P1
 * reports them. Usage: node --max-semi-space-size=128 --import tsx bench/p1-cpu.ts [runs]
 * (P1_PROF=file.cpuprofile: a profile of the last run's steady state). For A/B runs of issue 21 item 4.
 */
import fs from 'node:fs';
import os from 'node:os';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { P1_RECORDS, prepareP1, runP1 } from './apps/p1-app.js';
import { peakRssMb, startCpuProfile } from './lib.js';

const runs = Number(process.argv[2] ?? 3);
// GC pauses while a run's steady state is timed, by kind (what the run pays for the heap it finds).
// Entries are delivered later than they happen: each is placed by its start time.
let from = Infinity;
let to = Infinity;
const gc = { minor: 0, major: 0 };
// Minor page faults of the steady state: fresh memory the kernel had to map (fresh read buffers, copies).
let faults = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.startTime < from || e.startTime > to) continue;
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major += e.duration;
    else gc.minor += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
// P1_PREPARE_EACH=1 writes a fresh input before every run in this process, as bench/P1.ts does.
const each = process.env.P1_PREPARE_EACH === '1';
const input = each ? '' : await prepareP1(P1_RECORDS);
for (let i = 0; i <= runs; i++) {
  const dir = each ? await prepareP1(P1_RECORDS) : `${input}-run${i}`;
  if (!each) fs.cpSync(input, dir, { recursive: true });
  const profile = i === runs ? process.env.P1_PROF : undefined;
  let stop: () => Promise<void> = async () => {};
  const r = await runP1(dir, P1_RECORDS, async () => {
    stop = await startCpuProfile(profile);
    gc.minor = gc.major = 0;
    faults = process.resourceUsage().minorPageFault;
    from = performance.now();
    to = Infinity;
    return async () => {};
  });
  to = performance.now();
  faults = process.resourceUsage().minorPageFault - faults;
  await new Promise((r) => setTimeout(r, 50));
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.produced !== P1_RECORDS / 4) throw new Error(`expected ${P1_RECORDS / 4} outputs, got ${r.produced}`);
  // Run 0 is the warm-up.
  if (i > 0) console.log(`P1: cpu ${(r.cpuSeconds / (P1_RECORDS / 1e6)).toFixed(3)} s/M, ${(P1_RECORDS / r.seconds / 1e6).toFixed(3)} M records/s, GC ${gc.minor.toFixed(0)} ms minor ${gc.major.toFixed(0)} ms major, ${faults} page faults, peak RSS ${Math.round(peakRssMb())} MB, load ${os.loadavg()[0]!.toFixed(1)}`);
}
if (input) fs.rmSync(input, { recursive: true, force: true });

/**
 * `npm run bench [-- ID...]`: each workload of docs/benchmarks.md in its own Node process (so peak
 * RSS is per workload), each preceded by the reference limits it is compared with
 * (shared/bench-ref/limits.mjs, see reference.ts), and the reference once more after the last;
 * echoes each workload's `id figure value unit` lines, then every ratio to the FASTEST figure the
 * reference gave in this invocation (the reference itself moves by 2x between minutes, so one
 * early sample could flatter or wrong every ratio; the fastest is the conservative choice), then
 * every ratio to the reference run in the same minutes as the workload (the faster of the samples
 * just before and just after it: within one invocation the reference itself has moved 2x, and a
 * workload run in a slow minute is compared with that minute), and ends with a summary table,
 * ratios first. A workload is a file bench/<ID>.ts (ID as in
 * docs/benchmarks.md, e.g. L1, P2).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { findReference, ratioLines, runReference, sectionsFor } from './reference.js';

const here = dirname(fileURLToPath(import.meta.url));
const order = ['L1', 'L2', 'L3', 'B1', 'B2', 'P1', 'P2', 'P3', 'E1', 'R1', 'C1', 'C2', 'H1', 'U1'];
const available = readdirSync(here)
  .filter((f) => /^[A-Z][0-9]+\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
// Pipeline workloads run with the young generation docs/worker.md's "Tuning" recommends for pipelines
// (threadedApp's task threads get the same by default); R1 too, since a worker restores its stores
// in that same process before a task's first batch, and U1, which runs P1. SLUICE_BENCH_PIPELINE_FLAGS='' runs them on V8's defaults.
const PIPELINES = ['P1', 'P2', 'P3', 'E1', 'R1', 'U1'];
const PIPELINE_FLAGS = (process.env.SLUICE_BENCH_PIPELINE_FLAGS ?? '--max-semi-space-size=128').split(' ').filter(Boolean);
// SLUICE_BENCH_NODE_ARGS: node flags for every workload process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' (NODE_OPTIONS refuses --cpu-prof).
const EXTRA_FLAGS = (process.env.SLUICE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const ids = wanted.length ? wanted : available;

console.log(`pipeline workloads (${PIPELINES.join(', ')}) run with node ${PIPELINE_FLAGS.join(' ') || '(V8 defaults)'}`);
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
const rows: string[] = [];
const ratioRows: string[] = [];
const outputs: string[] = [];
let failed = 0;
const refFile = findReference(join(here, '..'));
/** Every figure each reference run gave in this invocation, by name. */
const refSamples = new Map<string, number[]>();
/** The same in the order they were taken, with the number of workloads run before each. */
const refTimeline: { name: string; value: number; after: number }[] = [];
const sampleReference = (sections: string[]) => {
  if (!refFile || sections.length === 0) return;
  console.log(`reference: node ${refFile} ${sections.join(' ')}`);
  for (const [name, value] of runReference(refFile, sections)) {
    refSamples.set(name, [...(refSamples.get(name) ?? []), value]);
    refTimeline.push({ name, value, after: outputs.length });
  }
};
/** For the workload run as the i-th: by name, the faster of the last sample before it and the first after it. */
const adjacentRefs = (i: number): Map<string, number> => {
  const refs = new Map<string, number>();
  for (const name of refSamples.keys()) {
    const before = refTimeline.filter((s) => s.name === name && s.after <= i).at(-1)?.value;
    const after = refTimeline.find((s) => s.name === name && s.after > i)?.value;
    const best = Math.max(before ?? -Infinity, after ?? -Infinity);
    if (best > 0) refs.set(name, best);
  }
  return refs;
};
if (!refFile) console.log('reference: shared/bench-ref/limits.mjs not found above this checkout (set SLUICE_BENCH_REF=path); figures are absolute only and do not compare across runs');
for (const id of ids) {
  if (!available.includes(id)) {
    console.error(`bench: no workload ${id} (have ${available.join(', ')})`);
    failed++;
    continue;
  }
  sampleReference(sectionsFor([id]));
  const res = spawnSync(process.execPath, [...(PIPELINES.includes(id) ? PIPELINE_FLAGS : []), ...EXTRA_FLAGS, '--import', 'tsx', join(here, `${id}.ts`)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(res.stdout ?? '');
  if (res.status !== 0) {
    console.error(`bench: ${id} exited with ${res.status ?? res.signal}`);
    failed++;
  }
  for (const line of (res.stdout ?? '').split('\n')) if (line.startsWith(`${id} `) || line.startsWith(`${id}-`)) rows.push(line);
  outputs.push(res.stdout ?? '');
}
sampleReference(sectionsFor(ids));
const refs = new Map([...refSamples].map(([name, values]) => [name, Math.max(...values)]));
if (refSamples.size) {
  console.log('\nreference runs in this invocation (ratios use the fastest):');
  for (const [name, values] of refSamples) if (!/-(windows|dropped)$/.test(name)) console.log(`REF ${name} fastest ${Math.max(...values)}, slowest ${Math.min(...values)}, ${values.length} runs`);
}
for (const out of outputs) {
  for (const line of ratioLines(out, refs)) {
    console.log(line);
    ratioRows.push(line);
  }
}
if (refSamples.size) {
  console.log('\nratios to the reference of the same minutes (the faster of the samples just before and after each workload):');
  outputs.forEach((out, i) => {
    for (const line of ratioLines(out, adjacentRefs(i))) {
      if (!/ratio-to-ref /.test(line)) continue;
      const adjacent = line.replace('ratio-to-ref', 'ratio-to-adjacent-ref');
      console.log(adjacent);
      ratioRows.push(adjacent);
    }
  });
}
if (ratioRows.length) {
  console.log('\n| id | ratio to the reference of this run | value | figures |\n| --- | --- | --- | --- |');
  for (const r of ratioRows) {
    const [id, figure, value, ...rest] = r.split(' ');
    console.log(`| ${id} | ${figure} | ${value} | ${rest.join(' ')} |`);
  }
}
console.log('\n| id | figure | value | unit |\n| --- | --- | --- | --- |');
for (const r of rows) {
  const [id, figure, value, ...unit] = r.split(' ');
  console.log(`| ${id} | ${figure} | ${value} | ${unit.join(' ')} |`);
}
process.exitCode = failed ? 1 : 0;

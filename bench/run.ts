/**
 * `npm run bench [-- ID...]`: first the reference limits (shared/bench-ref/limits.mjs, see
 * reference.ts), then each workload of docs/benchmarks.md in its own Node process (so peak RSS is
 * per workload); echoes its `id figure value unit` lines followed by its ratio to the reference
 * measured in this same run, and ends with a summary table, ratios first. A workload is a file
 * bench/<ID>.ts (ID as in docs/benchmarks.md, e.g. L1, P2).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { findReference, ratioLines, runReference, sectionsFor } from './reference.js';

const here = dirname(fileURLToPath(import.meta.url));
const order = ['L1', 'L2', 'L3', 'B1', 'B2', 'P1', 'P2', 'P3', 'E1', 'R1', 'C1', 'C2', 'H1'];
const available = readdirSync(here)
  .filter((f) => /^[A-Z][0-9]+\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
// Pipeline workloads run with the young generation docs/worker.md's "Tuning" recommends for pipelines
// (threadedApp's task threads get the same by default); R1 too, since a worker restores its stores
// in that same process before a task's first batch. SLUICE_BENCH_PIPELINE_FLAGS='' runs them on V8's defaults.
const PIPELINES = ['P1', 'P2', 'P3', 'E1', 'R1'];
const PIPELINE_FLAGS = (process.env.SLUICE_BENCH_PIPELINE_FLAGS ?? '--max-semi-space-size=128').split(' ').filter(Boolean);
// SLUICE_BENCH_NODE_ARGS: node flags for every workload process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' (NODE_OPTIONS refuses --cpu-prof).
const EXTRA_FLAGS = (process.env.SLUICE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const ids = wanted.length ? wanted : available;

console.log(`pipeline workloads (${PIPELINES.join(', ')}) run with node ${PIPELINE_FLAGS.join(' ') || '(V8 defaults)'}`);
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
const rows: string[] = [];
const ratioRows: string[] = [];
let failed = 0;
const refFile = findReference(join(here, '..'));
let refs = new Map<string, number>();
if (!refFile) {
  console.log('reference: shared/bench-ref/limits.mjs not found above this checkout (set SLUICE_BENCH_REF=path); figures are absolute only and do not compare across runs');
} else {
  const sections = sectionsFor(ids);
  if (sections.length) {
    console.log(`reference: node ${refFile} ${sections.join(' ')}`);
    refs = runReference(refFile, sections);
  }
}
for (const id of ids) {
  if (!available.includes(id)) {
    console.error(`bench: no workload ${id} (have ${available.join(', ')})`);
    failed++;
    continue;
  }
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
  for (const line of ratioLines(res.stdout ?? '', refs)) {
    console.log(line);
    ratioRows.push(line);
  }
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

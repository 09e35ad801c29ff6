/**
 * The at-least-once proof: a `sluice connect` worker (file source → topic → transform → file
 * sink) is killed with SIGKILL at random moments and restarted; in the end every input line has
 * its output, and the duplicates are bounded by one batch per task per kill. A SIGTERM instead
 * leaves no duplicate at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { clientKind, testLog } from '../support/log.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const bin = path.join(repoRoot, 'bin/sluice.js');
const BATCH = 2000;

/**
 * On the Kafka client the log is a `sluice broker` in this process, which outlives the killed
 * workers; short group timeouts let a restarted worker take over a killed one's partitions fast.
 */
async function setup(lines: number): Promise<{ dir: string; yaml: string }> {
  const dir = tempDir('alo');
  const log = clientKind === 'kafka' ? await testLog({ dataDir: path.join(dir, 'broker-data') }) : null;
  fs.mkdirSync(path.join(dir, 'in'));
  const half = Math.floor(lines / 2);
  const mk = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => JSON.stringify({ n: from + i, pad: 'x'.repeat((from + i) % 50) })).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'in', 'a.jsonl'), mk(0, half));
  fs.writeFileSync(path.join(dir, 'in', 'b.jsonl'), mk(half, lines));
  const yaml = path.join(dir, 'job.yaml');
  fs.writeFileSync(
    yaml,
    [
      'app: alo',
      log ? `brokers: [${log.brokers}]\ngroup: { sessionTimeoutMs: 1000, heartbeatIntervalMs: 200, rebalanceTimeoutMs: 1000 }` : 'dataDir: ./data',
      `batch: { maxRecords: ${BATCH}, maxWaitMs: 50 }`,
      'sources:',
      '  - connector: file',
      '    name: in',
      '    topic: lines',
      `    config: { path: "./in/*.jsonl", format: jsonl, maxRecords: ${BATCH}, pollIntervalMs: 50 }`,
      '    transforms: [ { type: InsertField, field: mapped, value: true } ]',
      'sinks:',
      '  - connector: file',
      '    name: out',
      '    topics: [lines]',
      '    config: { dir: ./out }',
    ].join('\n'),
  );
  return { dir, yaml };
}

function start(yaml: string, extra: string[] = []): ChildProcess {
  return spawn(process.execPath, [bin, 'connect', yaml, ...extra], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' } });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

function outputCounts(dir: string): Map<number, number> {
  const counts = new Map<number, number>();
  const outDir = path.join(dir, 'out', 'lines');
  if (!fs.existsSync(outDir)) return counts;
  for (const f of fs.readdirSync(outDir)) {
    for (const line of fs.readFileSync(path.join(outDir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const v = JSON.parse(line) as { n: number; mapped: boolean };
      expect(v.mapped).toBe(true);
      counts.set(v.n, (counts.get(v.n) ?? 0) + 1);
    }
  }
  return counts;
}

describe('at-least-once', () => {
  it('loses nothing over 20+ SIGKILLs and bounds duplicates to one batch per task per kill', async () => {
    const LINES = 200_000;
    const { dir, yaml } = await setup(LINES);
    const rnd = mulberry32(7);
    let kills = 0;
    for (let i = 0; i < 22; i++) {
      const child = start(yaml);
      const done = exited(child);
      // tsx and the app take about half a second to start; kill somewhere around and after that.
      await new Promise((r) => setTimeout(r, 300 + Math.floor(rnd() * 700)));
      child.kill('SIGKILL');
      const res = await done;
      if (res.signal === 'SIGKILL') kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(20);
    const final = await exited(start(yaml, ['--exit-when-idle', '1500']));
    expect(final.code, final.stderr).toBe(0);
    const counts = outputCounts(dir);
    const missing = [];
    for (let n = 0; n < LINES; n++) if (!counts.has(n)) missing.push(n);
    expect(missing.slice(0, 10)).toEqual([]);
    let duplicates = 0;
    for (const c of counts.values()) duplicates += c - 1;
    // Two tasks can replay per kill: the source's batch in flight (records produced, offsets not
    // yet stored) and the sink's (written, not yet committed), each at most BATCH records.
    expect(duplicates).toBeLessThanOrEqual(kills * 2 * BATCH);
  }, 180_000);

  it('leaves no duplicate after a SIGTERM in the middle', async () => {
    const LINES = 100_000;
    const { dir, yaml } = await setup(LINES);
    const child = start(yaml);
    const done = exited(child);
    // Wait until output has started to appear (up to a minute on a busy machine: a SIGTERM before
    // the CLI has installed its handlers would kill it outright), then stop gracefully.
    const outDir = path.join(dir, 'out', 'lines');
    for (let i = 0; i < 2400 && !(fs.existsSync(outDir) && fs.readdirSync(outDir).length); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    const res = await done;
    expect(res.code, res.stderr).toBe(0);
    const mid = outputCounts(dir);
    const final = await exited(start(yaml, ['--exit-when-idle', '1000']));
    expect(final.code, final.stderr).toBe(0);
    const counts = outputCounts(dir);
    expect(counts.size).toBe(LINES);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(mid.size).toBeLessThanOrEqual(LINES);
  }, 120_000);
});

/**
 * `sluice` as a process, run to its end without blocking the test worker: spawnSync would hold
 * vitest's worker for the whole run and starve its RPC when many commands run in one test.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../support/tmp.js';

export const bin = path.join(repoRoot, 'bin/sluice.js');

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

export function sluice(args: string[], opts: { input?: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...process.env, SLUICE_LOG_LEVEL: 'warn', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(opts.input ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Runs several commands at a time (each is mostly waiting for Node to start). */
export async function all<T>(items: T[], fn: (item: T) => Promise<void>, concurrency = 4): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

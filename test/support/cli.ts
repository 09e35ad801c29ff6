/**
 * The `sluice` CLI as a user runs it: a process (bin/sluice.js under this Node), run to its end or
 * started and killed. A run that is still going after `timeoutMs` is killed and reported with
 * `signal: 'SIGTERM'` (or SIGKILL), so a hang shows as a failed expectation on the exit code.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll } from 'vitest';
import { repoRoot } from './tmp.js';

export const sluiceBin = path.join(repoRoot, 'bin/sluice.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

const env = (extra: Record<string, string> = {}) => ({ ...process.env, SLUICE_LOG_LEVEL: 'warn', ...extra });

/** Runs `sluice ARGS` to its end. */
export function sluiceSync(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [sluiceBin, ...args], { encoding: 'utf8', cwd: opts.cwd ?? repoRoot, env: env(opts.env), input: opts.input, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL' });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** Every process started here is killed when the test file ends, even when a test failed or timed out. */
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const c of running) c.kill('SIGKILL');
});

export interface SluiceProcess {
  child: ChildProcess;
  /** Resolves when the process has exited, with its output. */
  exited: Promise<CliResult>;
}

/** Starts `sluice ARGS` in the background. */
export function sluiceSpawn(args: string[], opts: CliOptions = {}): SluiceProcess {
  const child = spawn(process.execPath, [sluiceBin, ...args], { cwd: opts.cwd ?? repoRoot, env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
  const exited = new Promise<CliResult>((resolve) =>
    // 'close', not 'exit': the output pipes are drained by then.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, out, err });
    }),
  );
  return { child, exited };
}

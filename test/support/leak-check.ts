/**
 * vitest globalSetup: a run fails when its tests leave a process or a temporary directory behind.
 *
 * - The test processes get TMPDIR set to a fresh directory of this run, /tmp/sluice-test-run-XXXXXX,
 *   so what they create through os.tmpdir() (tempDir(), the private Postgres clusters, what the
 *   CLI and the code under test make) lands in one place that belongs to this run alone, whatever
 *   other runs share the machine; and SLUICE_TEST_RUN=<id>, which every process they start
 *   inherits (Postgres started through runuser and pg_ctl too).
 * - At teardown, after every test file ran its cleanups (cleanup.ts), it looks for processes that
 *   carry this run's SLUICE_TEST_RUN (other than vitest and its workers) and for anything left in
 *   the run's directory. If there is any, it prints them, kills the processes, removes the
 *   directory and sets the exit code to 1. The run's directory is removed in any case.
 *
 * vitest runs globalSetup once per project and once for the root; a count on globalThis makes the
 * first call set up and the last teardown check.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface RunState {
  users: number;
  id: string;
  dir: string;
  previousTmpdir: string | undefined;
  /** Entries of the run's directory that are caches shared across runs, not leftovers. */
  shared: string[];
}

const KEY = Symbol.for('sluice.test.leak-check');
const g = globalThis as unknown as Record<symbol, RunState | undefined>;

/** pid → command line of the processes started by this run's tests that are still alive. */
function leftoverProcesses(id: string): Map<number, string> {
  const marker = `SLUICE_TEST_RUN=${id}\0`;
  const found = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)) continue;
      // vitest's own workers (and its esbuild) are children of this process; what tests started is not.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid || fields[0] === 'Z') continue;
      found.set(pid, fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim());
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

export function setup(): void {
  const existing = g[KEY];
  if (existing) {
    existing.users++;
    return;
  }
  const id = randomBytes(6).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-test-run-'));
  // The private Postgres clusters run as the `postgres` OS user when tests run as root: it must reach its directory.
  fs.chmodSync(dir, 0o755);
  // tsx (the CLI's TypeScript loader) keeps its compile cache in <tmpdir>/tsx-<uid>: the real one
  // stays shared across runs, so a CLI started by a test does not compile everything again.
  const tsxCache = `tsx-${process.getuid?.() ?? 0}`;
  fs.mkdirSync(path.join(os.tmpdir(), tsxCache), { recursive: true, mode: 0o700 });
  fs.symlinkSync(path.join(os.tmpdir(), tsxCache), path.join(dir, tsxCache));
  g[KEY] = { users: 1, id, dir, previousTmpdir: process.env.TMPDIR, shared: [tsxCache] };
  process.env.TMPDIR = dir;
  process.env.SLUICE_TEST_RUN = id;
}

export async function teardown(): Promise<void> {
  const state = g[KEY];
  if (!state || --state.users > 0) return;
  g[KEY] = undefined;
  if (state.previousTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = state.previousTmpdir;
  delete process.env.SLUICE_TEST_RUN;

  // A process killed by a test's last cleanup may take a moment to go.
  let processes = leftoverProcesses(state.id);
  for (let i = 0; i < 30 && processes.size > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    processes = leftoverProcesses(state.id);
  }
  const entries = fs.existsSync(state.dir) ? fs.readdirSync(state.dir).filter((e) => !state.shared.includes(e)) : [];
  if (processes.size > 0 || entries.length > 0) {
    const lines = [
      '',
      'LEAK CHECK FAILED: the tests left behind',
      ...[...processes].map(([pid, cmd]) => `  process ${pid}: ${cmd.length > 200 ? `${cmd.slice(0, 200)}…` : cmd}`),
      ...entries.map((e) => `  ${path.join(state.dir, e)}`),
      'They are removed now. A test must remove what it creates even when it fails: register it with',
      'onCleanup() (test/support/cleanup.ts) or use tempDir() / pgCluster() / testDatabase(), which do.',
      '',
    ];
    process.stderr.write(lines.join('\n'));
    process.exitCode = 1;
    for (const pid of processes.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (let i = 0; i < 30 && leftoverProcesses(state.id).size > 0; i++) await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(state.dir, { recursive: true, force: true });
}

/**
 * What a test file leaves behind is removed when the file ends, however its tests ended (passed,
 * failed, timed out): directories, servers, databases, child processes.
 *
 * Helpers register their cleanup with onCleanup() at the moment they create something, wherever
 * they are called from. (vitest's afterAll, called from inside an it() body, registers a hook that
 * never runs; and a process "exit" handler never runs in vitest's forked workers, which are
 * killed: that is how every `npm test` used to leave six Postgres servers and 350 MB of /tmp.)
 * test/support/setup.ts, a setupFile of every test file, runs the cleanups in an afterAll of the
 * file's root suite, after the file's own hooks, newest first, and kills every child process the
 * file started that is still running. test/support/leak-check.ts then fails the run if anything
 * was left anyway.
 */
import { ChildProcess } from 'node:child_process';

type Cleanup = () => unknown;

const cleanups: Cleanup[] = [];

/** Runs `fn` when the current test file ends (newest first), even when its tests fail or time out. */
export function onCleanup(fn: Cleanup): void {
  cleanups.push(fn);
}

/** Child processes started in this worker (by a test or by code under test) that have not exited. */
const children = new Map<ChildProcess, { detached: boolean }>();
let tracking = false;

/**
 * Records every child process this worker starts, whatever API started it (spawn, exec, execFile,
 * fork: all go through ChildProcess.prototype.spawn), so that one a test leaves running is killed.
 */
export function trackChildProcesses(): void {
  if (tracking) return;
  tracking = true;
  // Not in @types/node: the method every API that starts a child process calls.
  const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, options: { detached?: boolean }): unknown };
  const spawn = proto.spawn;
  proto.spawn = function (options) {
    const result = spawn.call(this, options);
    if (this.pid !== undefined && this.exitCode === null && this.signalCode === null) {
      children.set(this, { detached: options?.detached === true });
      this.once('exit', () => children.delete(this));
    }
    return result;
  };
}

async function killChildren(): Promise<void> {
  const waits = [...children].map(([child, { detached }]) => {
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
    try {
      // A detached child leads its own process group: kill the group, its children included.
      if (detached && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
    return Promise.race([exited, new Promise<void>((r) => setTimeout(r, 5_000).unref())]);
  });
  await Promise.all(waits);
  children.clear();
}

/** Kills the children still running, then runs every registered cleanup; throws the first failure after running them all. */
export async function runCleanups(): Promise<void> {
  await killChildren();
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `test cleanup failed: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
}

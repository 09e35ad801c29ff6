/**
 * The data directory's lock: one engine per directory, across processes and within this one.
 *
 * The lock is held by the operating system, not inferred from a pid: on Linux the engine binds a
 * Unix socket in the abstract namespace whose name is derived from the directory's real path. The
 * kernel refuses a second bind of that name while the first socket lives, and frees the name the
 * moment the holding process dies (SIGKILL included, zombie or not), so there is no stale lock to
 * take over and no window in which a dead or reused pid passes for a live owner. Node has no
 * flock(2); the native packages that offer it must be compiled on install, which a fresh machine
 * without a compiler or Node's headers cannot do, and lock-file packages (proper-lockfile) guess
 * staleness from timestamps, which is the weakness being removed.
 *
 * The `.lock` file only carries the holder's pid for the error message. Limits: abstract sockets
 * belong to a network namespace, so two containers with separate network namespaces sharing one
 * volume do not see each other's lock; elsewhere than Linux the lock falls back to the `.lock`
 * file with a pid check.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DataDirLockedError } from './errors.js';

const LOCK_FILE = '.lock';

/** Directories open in this process (a second engine on one would corrupt it). */
const openHere = new Set<string>();

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dir: string): Promise<DataDirLock> {
  if (openHere.has(dir)) throw new DataDirLockedError(dir, process.pid);
  const lockPath = path.join(dir, LOCK_FILE);
  let server: net.Server | null = null;
  if (process.platform === 'linux') {
    const name = `\0sluice-data-dir-${createHash('sha256').update(fs.realpathSync(dir)).digest('hex').slice(0, 48)}`;
    // A holder that was just killed may take a few milliseconds to let go (its threads exit one by one).
    for (let attempt = 0; !server; attempt++) {
      server = await bindAbstract(name).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') throw err;
        if (attempt >= 10) throw new DataDirLockedError(dir, holderPid(lockPath));
        return null;
      });
      if (!server) await new Promise((r) => setTimeout(r, 50));
    }
  } else {
    takePidFile(dir, lockPath);
  }
  openHere.add(dir);
  fs.writeFileSync(lockPath, String(process.pid));
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      openHere.delete(dir);
      if (holderPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}

function bindAbstract(name: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ path: name }, () => {
      server.off('error', reject);
      server.unref();
      resolve(server);
    });
  });
}

function holderPid(lockPath: string): number {
  try {
    return Number(fs.readFileSync(lockPath, 'utf8')) || 0;
  } catch {
    return 0;
  }
}

/** Without abstract sockets: a pid file, taken over when its pid is not alive. */
function takePidFile(dir: string, lockPath: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = holderPid(lockPath);
    const live = holder !== 0 && holder !== process.pid && isAlive(holder);
    // A second failure means another process took over the stale lock in between.
    if (live || attempt > 0) throw new DataDirLockedError(dir, holder);
    fs.rmSync(lockPath, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

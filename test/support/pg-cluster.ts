/**
 * A private PostgreSQL cluster for tests that need logical replication (the machine's cluster runs
 * with wal_level=replica): initdb into a temporary directory, wal_level=logical, a free port on
 * 127.0.0.1, trust authentication except for PASSWORD_USER. initdb refuses to run as root, so as
 * root the cluster belongs to the `postgres` OS user. One cluster per test file, started on first
 * use, stopped and deleted when the file ends, however its tests ended (see cleanup.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { onCleanup } from './cleanup.js';

export interface PgCluster {
  port: number;
  /** As postgres (trusted), or with `password` as PASSWORD_USER (whose password is PASSWORD). */
  connectionString(db?: string, password?: string): string;
  /**
   * Stops and starts the server (a crash test for clients). Asynchronous on purpose: a fast
   * shutdown waits for each logical walsender's client to confirm the end of WAL, and a client in
   * this process can only answer while the event loop runs. `whileDown` runs between the stop and
   * the start (an outage as long as a test needs).
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): void;
}

const execFileAsync = promisify(execFile);

function bindir(): string {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    const versions = fs.readdirSync('/usr/lib/postgresql').sort();
    return `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  }
}

/** The command line that runs `cmd` as the cluster's owner (the `postgres` OS user when we are root). */
function ownerCommand(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function asOwner(cmd: string, args: string[]): string {
  return execFileSync(...ownerCommand(cmd, args), { encoding: 'utf8' });
}

async function asOwnerAsync(cmd: string, args: string[]): Promise<void> {
  await execFileAsync(...ownerCommand(cmd, args));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The one role that must authenticate with a password (scram-sha-256): LOGIN REPLICATION, no other rights. */
export const PASSWORD_USER = 'sluice_pw';
export const PASSWORD = 'right';

let shared: Promise<PgCluster> | null = null;

/** The test file's private cluster, started on first use. */
export function pgCluster(): Promise<PgCluster> {
  shared ??= start();
  return shared;
}

async function start(): Promise<PgCluster> {
  const bin = bindir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pg-'));
  const data = path.join(dir, 'data');
  const pgCtlArgs = (action: string, extra: string[]) => ['-D', data, '-l', path.join(dir, 'server.log'), '-w', ...extra, action];
  const pgCtl = (action: string, extra: string[] = []) => asOwner(path.join(bin, 'pg_ctl'), pgCtlArgs(action, extra));
  const pgCtlAsync = (action: string, extra: string[] = []) => asOwnerAsync(path.join(bin, 'pg_ctl'), pgCtlArgs(action, extra));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) pgCtl('stop', ['-m', 'immediate']);
    } catch {
      // already down
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // Registered before initdb, so that a start failing half-way is cleaned up too.
  onCleanup(() => {
    shared = null;
    stop();
  });
  // Also when a worker exits on its own before the file's cleanup ran (not when it is killed).
  process.once('exit', stop);
  fs.chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  asOwner(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  // One role must give a password, so that tests can check what a wrong one does; pg_hba.conf is
  // first match, so its lines go before initdb's trust lines.
  // (Rewriting the file in place keeps its owner.)
  const hba = path.join(data, 'pg_hba.conf');
  fs.writeFileSync(hba, `host all ${PASSWORD_USER} 127.0.0.1/32 scram-sha-256\nhost replication ${PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, 'utf8')}`);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c wal_level=logical',
    '-c max_replication_slots=20',
    '-c max_wal_senders=20',
    '-c wal_sender_timeout=60s',
    '-c fsync=on',
  ].join(' ');
  pgCtl('start', ['-o', opts]);
  const cluster: PgCluster = {
    port,
    connectionString: (db = 'postgres', password?: string) =>
      password === undefined ? `postgres://postgres@127.0.0.1:${port}/${db}` : `postgres://${PASSWORD_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`,
    async restart(whileDown) {
      await pgCtlAsync('stop', ['-m', 'fast']);
      try {
        await whileDown?.();
      } finally {
        await pgCtlAsync('start', ['-o', opts]);
      }
    },
    stop,
  };
  const admin = new pg.Client({ connectionString: cluster.connectionString() });
  await admin.connect();
  await admin.query(`CREATE ROLE ${PASSWORD_USER} LOGIN REPLICATION PASSWORD '${PASSWORD}'`);
  await admin.end();
  return cluster;
}

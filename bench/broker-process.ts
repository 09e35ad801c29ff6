/**
 * For B1/B2: `sluice broker` in its own process (so its CPU is measured apart from the client's),
 * on a free port with a fresh data directory, and the CPU time it used read from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'sluice.js');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface BrokerProcess {
  address: string;
  /** CPU seconds (user + system) the broker process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startBrokerProcess(): Promise<BrokerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-broker-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_BROKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), bin, 'broker', '--port', String(port), '--data-dir', path.join(dir, 'data'), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // A workload that throws (kcat missing, a client error) must not leave the broker and its
  // directory behind: they go with this process however it ends.
  const killOnExit = () => {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return {
    address: `127.0.0.1:${port}`,
    cpuSeconds() {
      const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / tick;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      // One listener per broker started: a workload that starts many would pass Node's limit of 10.
      process.off('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs kcat to completion (stdin from `inputFile`); resolves with its stdout line count, or 0 with
 * `discard` (stdout to /dev/null, so only kcat's own work is timed).
 */
export function kcat(args: string[], inputFile?: string, discard = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const stdout = discard ? fs.openSync('/dev/null', 'w') : 'pipe';
    const child = spawn('kcat', args, { stdio: [inputFile ? fs.openSync(inputFile, 'r') : 'ignore', stdout, 'pipe'] });
    let lines = 0;
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error('kcat is not installed (Debian: apt-get install kcat); B1/B2 measure it against the broker') : e),
    );
    child.on('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

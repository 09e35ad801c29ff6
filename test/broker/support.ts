/** A Sluice broker on a free 127.0.0.1 port for one test file, closed afterwards. */
import { spawn } from 'node:child_process';
import { startBroker, type Broker, type BrokerOptions } from '../../core/broker/index.js';
import { onCleanup } from '../support/cleanup.js';

export async function testBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const broker = await startBroker({ port: 0, ...opts });
  onCleanup(() => broker.close());
  return broker;
}

/** Debian's Python, the one that sees python3-kafka and python3-confluent-kafka. */
export const PYTHON = '/usr/bin/python3';

/** Runs a command to completion; resolves with its exit code and output. */
export function run(cmd: string, args: string[], input?: string | Buffer, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLog } from '../../core/log/engine.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const fixture = path.join(repoRoot, 'test/fixtures/log-appender.ts');

/** Runs the appender until it acknowledged at least `minAcks` appends, then SIGKILLs it. */
function runAndKill(dir: string, minAcks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = -1;
    let acks = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        acked = Number(l);
        acks++;
      }
      if (acks >= minAcks) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`appender exited with ${_code}`))));
  });
}

describe('crash recovery', () => {
  it('keeps every acknowledged record and serves nothing torn after SIGKILL, repeatedly', async () => {
    const dir = tempDir('crash');
    let lastAcked = -1;
    for (let round = 0; round < 4; round++) {
      const acked = await runAndKill(dir, 50 + Math.floor(Math.random() * 300));
      expect(acked).toBeGreaterThan(lastAcked);
      const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: { debug() {}, info() {}, warn() {}, error() {} } });
      const hw = log.describeTopic('crash').partitions[0]!.highWatermark;
      expect(hw).toBeGreaterThan(acked);
      let next = 0;
      while (next < hw) {
        const { records } = await log.readRecords('crash', 0, next, 1 << 20);
        for (const r of records) {
          expect(r.offset).toBe(next);
          expect(r.key!.toString()).toBe(`k${next}`);
          expect(r.value!.toString()).toBe(`value-${next}-${'x'.repeat(next % 200)}`);
          next++;
        }
      }
      await log.close();
      lastAcked = acked;
    }
  }, 120_000);
});

/**
 * `sluice demo` does not fill the disk: its topics keep a bounded window of records, and its
 * temporary data directory is removed however it ends (Ctrl-C, a second Ctrl-C, SIGTERM, SIGHUP,
 * an error), a directory abandoned by a SIGKILLed demo by the next one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { sluiceSpawn, sluiceSync, type SluiceProcess } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/** Made here, at the top level, so that its removal is registered where vitest runs it. */
const base = tempDir('demo');

/** A private TMPDIR for the demo, so what it leaves there is what this test sees. */
const demoDirs = (tmp: string) => fs.readdirSync(tmp).filter((n) => n.startsWith('sluice-demo-'));

function privateTmp(): string {
  return fs.mkdtempSync(path.join(base, 'tmp-'));
}

/** Starts a slow demo in TMPDIR `tmp` and resolves once it runs. */
async function startDemo(tmp: string): Promise<SluiceProcess & { printed(text: RegExp): Promise<void> }> {
  const p = sluiceSpawn(['demo', '--rate', '2000'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
  let out = '';
  p.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const printed = async (text: RegExp) => {
    for (let i = 0; i < 1200 && !text.test(out); i++) {
      if (p.child.exitCode !== null) throw new Error(`the demo exited: ${(await p.exited).err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await printed(/activity monitor on the embedded log/);
  return { ...p, printed };
}

describe('sluice demo', () => {
  it('keeps a bounded window of each topic: retention deletes old segments while it runs', () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(base, 'bounded-')), 'data');
    const r = sluiceSync(['demo', '--duration', '4', '--rate', '20000', '--retention-ms', '2000', '--data-dir', dataDir], { timeoutMs: 60_000 });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/topics keep the last 2 s/);
    return (async () => {
      const client = embedded({ dataDir, maintenanceIntervalMs: 0 });
      try {
        for (const topic of ['user-actions', 'activity-monitor-by-user-repartition']) {
          const d = await client.admin().describeTopic(topic);
          expect(d.config['retention.ms']).toBe(2000);
          expect(d.config['retention.bytes']).toBeGreaterThan(0);
          // Records older than the retention are gone from every partition.
          for (const p of d.partitions) expect(p.logStartOffset, `${topic}/${p.partition}`).toBeGreaterThan(0);
        }
      } finally {
        await client.close();
      }
    })();
  }, 90_000);

  for (const [how, signals, code] of [
    ['Ctrl-C', ['SIGINT'], 0],
    ['a second Ctrl-C', ['SIGINT', 'SIGINT'], 130],
    ['SIGTERM', ['SIGTERM'], 0],
    ['SIGHUP', ['SIGHUP'], 0],
  ] as const) {
    it(`removes its temporary directory on ${how}`, async () => {
      const tmp = privateTmp();
      const p = await startDemo(tmp);
      expect(demoDirs(tmp)).toHaveLength(1);
      for (const sig of signals) {
        p.child.kill(sig);
        // Two signals sent at once arrive as one: the second comes while the demo is stopping.
        await p.printed(/stopping: finishing/);
      }
      const r = await p.exited;
      expect(r.code, r.err).toBe(code);
      expect(demoDirs(tmp)).toEqual([]);
    }, 90_000);
  }

  it('removes its temporary directory when it fails', () => {
    const tmp = privateTmp();
    const r = sluiceSync(['demo', '--threads', '300'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/threads/);
    expect(demoDirs(tmp)).toEqual([]);
  });

  it('removes the directory a demo killed with SIGKILL left behind', async () => {
    const tmp = privateTmp();
    const killed = await startDemo(tmp);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const [left] = demoDirs(tmp);
    expect(left).toMatch(/^sluice-demo-/);
    // A directory of a live demo (its lock names a running process) stays.
    const live = fs.mkdtempSync(path.join(tmp, 'sluice-demo-'));
    fs.writeFileSync(path.join(live, '.lock'), String(process.pid));
    const next = await startDemo(tmp);
    expect(fs.existsSync(path.join(tmp, left!))).toBe(false);
    next.child.kill('SIGINT');
    expect((await next.exited).code).toBe(0);
    expect(demoDirs(tmp)).toEqual([path.basename(live)]);
  }, 90_000);
});

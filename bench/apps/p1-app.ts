/**
 * P1's data and pipeline (filter → map → to(topic) over 1 000 000 JSON records on the embedded log,
 * relaxed flush), shared by P1 and by U1, which runs it with the console's live stream open.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { filter, map } from 'rxjs';
import { embedded, type EmbeddedClient } from '../../core/client/embedded/client.js';
import { app, type App } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { padJson, userKeys, waitForCommitted } from '../lib.js';

export const P1_RECORDS = 1_000_000;

/** Writes the input topic into a new directory and returns it. */
export async function prepareP1(n = P1_RECORDS): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-p1-'));
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  await client.admin().createTopic('in', { partitions: 1 });
  const p = client.producer();
  // Generated batch by batch: holding the whole input would make every GC of the run slower.
  const keys = userKeys(n);
  for (let i = 0; i < n; i += 1000) {
    await p.send(
      'in',
      Array.from({ length: 1000 }, (_, j) => {
        const k = i + j;
        return { key: keys[k]!, value: padJson({ user: keys[k], n: k, event: k % 4 === 0 ? 'click' : 'view' }), timestamp: 1_700_000_000_000 + k };
      }),
    );
  }
  await client.close();
  return dir;
}

/**
 * Runs the pipeline over `dir` until it committed `n` records; `during` runs once the app has
 * started (and is awaited to end before the app stops). Answers how many records it produced, and
 * the wall-clock and CPU seconds from the end of `during`'s start to the last commit (the steady
 * state, without the app's start and stop).
 */
export async function runP1(
  dir: string,
  n = P1_RECORDS,
  during?: (a: App, client: EmbeddedClient) => Promise<() => Promise<void>>,
): Promise<{ produced: number; seconds: number; cpuSeconds: number }> {
  const client = embedded({ dataDir: dir, flush: 'never', maintenanceIntervalMs: 0 });
  const a = app({ id: 'p1', log: client, logger: silentLogger, batch: { maxRecords: 10_000, maxWaitMs: 20 } });
  const marker = Buffer.from('"event":"click"');
  a.addPipeline({
    name: 'clicks',
    inputs: ['in'],
    outputs: ['out'],
    build: (ctx) => (src) =>
      src.pipe(
        filter((r) => r.value !== null && r.value.indexOf(marker) >= 0),
        map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: { via: 'p1' } })),
        map((r) => ctx.send('out', [r])),
      ),
  });
  await a.start();
  const end = await during?.(a, client);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { engine } = await client.deps();
  await waitForCommitted(client, 'p1.clicks', n);
  const cpu = process.cpuUsage(c0);
  const seconds = (performance.now() - t0) / 1000;
  const produced = engine.describeTopic('out').partitions[0]!.highWatermark;
  await end?.();
  await a.stop();
  return { produced, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

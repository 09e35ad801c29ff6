/**
 * A Route transform sends a source's records to topics named by their values. A topic that does
 * not exist is created with the app's default partitions (Kafka Connect's topic creation), or —
 * with autoCreateTopics off, or a name no log accepts — its records go to the dead-letter topic
 * with the reason. Either way the app runs on; it used to stop with "topic does not exist" on
 * every restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource, fileSourceConfig } from '../../connectors/file/index.js';
import { route } from '../../connectors/transforms/route.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { readTopic, testLog, type TestLog } from '../support/log.js';
import { tempDir } from '../support/tmp.js';

const regions = ['eu', 'us', 'x'.repeat(260)];
/** Made here, at the top level, so that its removal is registered where vitest runs it. */
const base = tempDir('route');

function input(): string {
  const dir = fs.mkdtempSync(path.join(base, 'in-'));
  fs.writeFileSync(path.join(dir, 'orders.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ i, region: regions[i % 3] })).join('\n') + '\n');
  return path.join(dir, '*.jsonl');
}

async function runRouted(log: TestLog, id: string, glob: string, autoCreateTopics: boolean): Promise<void> {
  const a = app({ id, log: log.connect(), logger: silentLogger, autoCreateTopics, defaultPartitions: 2 });
  a.addSource('orders', new FileSource(fileSourceConfig.parse({ path: glob, format: 'jsonl', pollIntervalMs: 20 })), {
    topic: `${id}-orders`,
    transforms: [route({ type: 'Route', topic: `${id}-orders-{region}` })],
  });
  await a.start();
  await a.idle(300);
  await a.stop();
  await expect(a.done).resolves.toBeUndefined();
}

const values = async (log: TestLog, topic: string) => (await readTopic(log.engine, topic)).map((r) => JSON.parse(r.value!.toString()) as { i: number }).map((v) => v.i).sort((x, y) => x - y);

describe('a Route transform to topics that do not exist', () => {
  it('creates them with the default partitions, and dead-letters a name no log accepts', async () => {
    const log = await testLog();
    const glob = input();
    await runRouted(log, 'rc', glob, true);
    expect(log.engine.partitionCount('rc-orders-eu')).toBe(2);
    expect(await values(log, 'rc-orders-eu')).toEqual(Array.from({ length: 10 }, (_, k) => k * 3));
    expect(await values(log, 'rc-orders-us')).toEqual(Array.from({ length: 10 }, (_, k) => k * 3 + 1));
    const dlq = await readTopic(log.engine, 'rc.dlq');
    expect(dlq).toHaveLength(10);
    expect(dlq[0]!.headers['sluice.error']!.toString()).toMatch(/topic name .* is illegal|249/);
    // A restart on the same log runs on (it used to fail again on the same record).
    fs.appendFileSync(glob.replace('*.jsonl', 'orders.jsonl'), JSON.stringify({ i: 30, region: 'ap' }) + '\n');
    await runRouted(log, 'rc', glob, true);
    expect(await values(log, 'rc-orders-ap')).toEqual([30]);
  });

  it('with autoCreateTopics off, sends their records to the dead-letter topic with the reason', async () => {
    const log = await testLog();
    await log.client.admin().createTopic('rd-orders-us', { partitions: 1 });
    await runRouted(log, 'rd', input(), false);
    expect(await values(log, 'rd-orders-us')).toEqual(Array.from({ length: 10 }, (_, k) => k * 3 + 1));
    expect(log.engine.hasTopic('rd-orders-eu')).toBe(false);
    const dlq = await readTopic(log.engine, 'rd.dlq');
    expect(dlq).toHaveLength(20);
    const reasons = new Set(dlq.map((r) => r.headers['sluice.error']!.toString().replace(/"[^"]*"/, '"…"')));
    expect([...reasons].some((m) => /topic "…" does not exist/.test(m))).toBe(true);
    expect(dlq.every((r) => r.headers['sluice.source.topic']!.toString().startsWith('rd-orders-'))).toBe(true);
  });
});

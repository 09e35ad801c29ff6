/**
 * Pipelines and sinks over several topics, with equal and different partition counts. A task is
 * partition p of every input topic that has a partition p (Kafka Streams' rule for a
 * sub-topology with several source topics): each poll, a task runs the records of all its
 * topic-partitions, and the offsets committed are exactly those of the records it ran. Joins and
 * tables still need co-partitioned inputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FileSink } from '../../connectors/file/sink.js';
import type { LogClient } from '../../core/client/types.js';
import { app } from '../../core/worker/app.js';
import { CopartitioningError } from '../../core/worker/errors.js';
import { silentLogger } from '../../core/worker/logger.js';
import { joinTable, mapValues, string, to } from '../../processors/index.js';
import { readTopic, testLog } from '../support/log.js';
import { tempDir } from '../support/tmp.js';

/** Topics t0…tn-1 with the given partition counts, `per` records each, values naming topic and index. */
async function seedTopics(client: LogClient, prefix: string, counts: number[], per: number): Promise<string[]> {
  const topics = counts.map((_, i) => `${prefix}${i}`);
  for (const [i, t] of topics.entries()) {
    await client.admin().createTopic(t, { partitions: counts[i]! });
    await client.producer().send(t, Array.from({ length: per }, (_, j) => ({ key: `k${j}`, value: JSON.stringify({ t, j }), timestamp: 1000 + j })));
  }
  return topics;
}

/** Every `${t}/${j}` the file sink wrote, with how often. */
function written(dir: string): Map<string, number> {
  const seen = new Map<string, number>();
  if (!fs.existsSync(dir)) return seen;
  for (const topic of fs.readdirSync(dir)) {
    for (const f of fs.readdirSync(path.join(dir, topic))) {
      for (const line of fs.readFileSync(path.join(dir, topic, f), 'utf8').split('\n')) {
        if (!line) continue;
        const v = JSON.parse(line) as { t: string; j: number };
        expect(v.t).toBe(topic);
        seen.set(`${v.t}/${v.j}`, (seen.get(`${v.t}/${v.j}`) ?? 0) + 1);
      }
    }
  }
  return seen;
}

const expected = (topics: string[], per: number) => topics.flatMap((t) => Array.from({ length: per }, (_, j) => `${t}/${j}`)).sort();

/** Made here, at the top level, so that its removal is registered where vitest runs it. */
const base = tempDir('multi-topic');

describe('a sink over several topics', () => {
  for (const counts of [[2, 2], [1, 3], [3, 1, 4, 2, 2]]) {
    it(`writes every record of every topic before committing it (partitions ${counts.join(', ')})`, async () => {
      const { client } = await testLog();
      const topics = await seedTopics(client, `s${counts.join('')}-`, counts, 300);
      const out = fs.mkdtempSync(path.join(base, 'out-'));
      const a = app({ id: `ms${counts.join('')}`, log: client, logger: silentLogger, batch: { maxRecords: 128, maxWaitMs: 50 } });
      a.addSink('files', new FileSink({ dir: out, format: 'jsonl', envelope: false, rotateBytes: 1 << 30, rotateMs: 3_600_000, fsync: true }), { topics });
      await a.start();
      await a.idle(300);
      // Everything is committed…
      const group = await client.admin().describeGroup(`ms${counts.join('')}.sink-files`);
      expect(group.offsets.reduce((s, o) => s + o.committed, 0)).toBe(topics.length * 300);
      await a.stop();
      // …and everything committed was written.
      expect([...written(out).keys()].sort()).toEqual(expected(topics, 300));
    });
  }
});

describe('a DSL stream over several topics', () => {
  it('reads topics with different partition counts: max(partitions) tasks, task p reads partition p of each', async () => {
    const { client, engine } = await testLog();
    const topics = await seedTopics(client, 'dsl-', [1, 3, 2], 200);
    const a = app({ id: 'dsl-multi', log: client, logger: silentLogger, batch: { maxRecords: 100, maxWaitMs: 50 } });
    const tasks = new Set<string>();
    a.stream<string, { t: string; j: number }>(topics, { key: string() }).pipe(
      mapValues((v: { t: string; j: number }) => ({ ...v, seen: true })),
      to('dsl-out'),
    );
    a.addPipeline({ name: 'tasks', inputs: topics, copartitioned: false, build: (ctx) => (s) => s.pipe(map(() => tasks.add(ctx.taskId))) });
    await a.start();
    await a.idle(300);
    const out = (await readTopic(engine, 'dsl-out')).map((r) => JSON.parse(r.value!.toString()) as { t: string; j: number; seen: boolean });
    expect(out.every((v) => v.seen)).toBe(true);
    expect(out.map((v) => `${v.t}/${v.j}`).sort()).toEqual(expected(topics, 200));
    // The output topic got as many partitions as there are tasks.
    expect(engine.partitionCount('dsl-out')).toBe(3);
    expect([...tasks].sort()).toEqual(['tasks-0', 'tasks-1', 'tasks-2']);
    await a.stop();
  });

  it('does not wait for an input whose partitions are empty (their end is known), however long maxTaskIdleMs is', async () => {
    const { client, engine } = await testLog();
    const topics = await seedTopics(client, 'idle-', [2, 2], 200);
    await client.admin().createTopic('idle-empty', { partitions: 2 });
    // A task waits up to maxTaskIdleMs for an input that may have more to fetch; an empty one has not.
    const a = app({ id: 'dsl-idle', log: client, logger: silentLogger, maxTaskIdleMs: 600_000, batch: { maxRecords: 50, maxWaitMs: 50 } });
    a.stream<string, { t: string; j: number }>([...topics, 'idle-empty'], { key: string() }).pipe(to('idle-out'));
    await a.start();
    await a.idle(300);
    expect(await readTopic(engine, 'idle-out')).toHaveLength(400);
    await a.stop();
  }, 30_000);

  it('still refuses a join (or a table lookup) over topics that are not co-partitioned', async () => {
    const { client } = await testLog();
    await client.admin().createTopic('orders', { partitions: 2 });
    await client.admin().createTopic('customers', { partitions: 3 });
    const a = app({ id: 'dsl-join', log: client, logger: silentLogger });
    a.stream('orders', { key: string() }).pipe(joinTable(a.table('customers', { key: string() }), (o, c) => ({ o, c })), to('enriched'));
    await expect(a.start()).rejects.toThrow(CopartitioningError);
    await client.close();
  });
});

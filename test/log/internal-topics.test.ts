/**
 * Internal topics (core/log/internal-topics.ts): no client appends to or deletes __consumer_offsets
 * or a running app's changelogs / repartition / source-offsets topics, through any path (engine,
 * embedded producer and admin, broker, CLI, HTTP source), while Sluice's own writers keep working;
 * and a data directory that already holds records Sluice did not write still opens, those records
 * skipped and reported.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { InternalTopicError } from '../../core/errors.js';
import { coordinatorFor } from '../../core/groups/coordinator.js';
import { OFFSETS_TOPIC } from '../../core/groups/offset-store.js';
import { SYSTEM_WRITER } from '../../core/log/internal-topics.js';
import { openLog } from '../../core/log/engine.js';
import type { Logger } from '../../core/log/types.js';
import { readSourceOffsets, sourceOffsetsTopic } from '../../core/worker/source-offsets.js';
import { app } from '../../processors/streams-app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { HttpSource, httpSourceConfig } from '../../connectors/http/source.js';
import { count, groupByKey, string, type Rec } from '../../processors/index.js';
import { testBroker } from '../broker/support.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const base = tempDir('internal');
let n = 0;
const freshDir = () => path.join(base, `d${n++}`);

function recordingLogger(): Logger & { lines: Array<{ msg: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const push = (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields });
  return { lines, debug: () => {}, info: () => {}, warn: push, error: push };
}

describe('internal topics refuse client appends and deletes', () => {
  it('on the engine, the embedded producer and admin, while the offset store keeps committing', async () => {
    const client = embedded({ dataDir: freshDir(), maintenanceIntervalMs: 0 });
    const engine = await client.engine();
    const { coordinator } = await client.deps();
    await engine.createTopic('t', { partitions: 1 });
    await expect(engine.append(OFFSETS_TOPIC, 0, [{ key: null, value: 'x' }])).rejects.toBeInstanceOf(InternalTopicError);
    await expect(client.producer().send(OFFSETS_TOPIC, [{ key: null, value: 'x' }])).rejects.toThrow(/cannot append to internal topic "__consumer_offsets"/);
    await expect(client.admin().deleteTopic(OFFSETS_TOPIC)).rejects.toThrow(/cannot delete internal topic "__consumer_offsets"/);
    // A writer naming an app is not the system either.
    await expect(engine.append(OFFSETS_TOPIC, 0, [{ value: 'x' }], { writer: 'some-app' })).rejects.toBeInstanceOf(InternalTopicError);
    expect(engine.describeTopic(OFFSETS_TOPIC).internal).toBe(true);
    expect((await coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 3 }] }))[0]!.errorCode).toBe(0);
    expect((await coordinator.fetchOffsets({ groupId: 'g' }))[0]!.offset).toBe(3);
    await client.close();
  });

  it("protects a running app's changelogs, repartition and source-offsets topics until it stops", async () => {
    const dir = freshDir();
    const client = embedded({ dataDir: dir, maintenanceIntervalMs: 0 });
    await client.admin().createTopic('clicks', { partitions: 1 });
    await client.producer().send('clicks', [{ key: 'a', value: '{"u":"a"}' }]);
    const a = app({ id: 'guarded', log: client, logger: silentLogger });
    a.stream<string, { u: string }>('clicks', { key: string() }).pipe(groupByKey((r: Rec<string, { u: string }>) => r.value.u, { name: 'by-user' }), count({ name: 'n' }));
    const src = new HttpSource(httpSourceConfig.parse({ port: 0 }));
    a.addSource('hooks', src, { topic: 'clicks' });
    await a.start();
    try {
      const engine = await client.engine();
      const internal = engine.listTopics().filter((t) => t.startsWith('guarded') && !t.endsWith('.dlq'));
      expect(internal.sort()).toEqual(['guarded-by-user-repartition', 'guarded-n-changelog', 'guarded.source-offsets']);
      for (const t of internal) {
        expect(engine.describeTopic(t).internal, t).toBe(true);
        await expect(client.producer().send(t, [{ key: 'k', value: 'v' }]), t).rejects.toBeInstanceOf(InternalTopicError);
        await expect(client.admin().deleteTopic(t), t).rejects.toBeInstanceOf(InternalTopicError);
      }
      // The HTTP source's default policy (any existing topic) does not reach them.
      const { port } = src.address();
      for (const t of ['guarded.source-offsets', 'guarded-n-changelog', OFFSETS_TOPIC]) {
        const res = await fetch(`http://127.0.0.1:${port}/topics/${t}`, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
        expect(res.status, t).toBe(403);
      }
      // The app itself still writes them: a record flows through the repartition topic into the changelog.
      await client.producer().send('clicks', [{ key: 'b', value: '{"u":"b"}' }]);
      await a.idle(300);
      expect(engine.describeTopic('guarded-n-changelog').partitions[0]!.highWatermark).toBeGreaterThan(0);
    } finally {
      await a.stop();
    }
    // Stopped: its topics are plain topics again (deleting them is how an app is reset).
    const after = embedded({ dataDir: dir, maintenanceIntervalMs: 0 });
    expect((await after.admin().describeTopic('guarded-n-changelog')).internal).toBe(false);
    await after.admin().deleteTopic('guarded-n-changelog');
    await after.close();
  });

  it('through the broker: Produce gets INVALID_TOPIC_EXCEPTION, DeleteTopics is refused', async () => {
    const broker = await testBroker({});
    await broker.engine.createTopic('plain', { partitions: 1 });
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer();
    await producer.connect();
    await expect(producer.send({ topic: OFFSETS_TOPIC, acks: -1, messages: [{ key: null, value: 'x' }] })).rejects.toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION' });
    await producer.send({ topic: 'plain', acks: -1, messages: [{ value: 'ok' }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await expect(admin.deleteTopics({ topics: [OFFSETS_TOPIC] })).rejects.toThrow();
    await admin.disconnect();
    expect(broker.engine.hasTopic(OFFSETS_TOPIC)).toBe(true);
    expect(broker.engine.describeTopic(OFFSETS_TOPIC).partitions[0]!.highWatermark).toBe(0);
  });

  it('through the CLI: sluice produce and sluice topics delete refuse, naming the topic', () => {
    const dir = freshDir();
    const cli = (args: string[], input = '') => spawnSync(process.execPath, [path.join(repoRoot, 'bin/sluice.js'), ...args, '--data-dir', dir], { cwd: repoRoot, input, encoding: 'utf8', timeout: 60_000 });
    expect(cli(['groups', 'list']).status).toBe(0); // opens the log: __consumer_offsets exists
    const produced = cli(['produce', OFFSETS_TOPIC], 'not-json\n');
    expect(produced.status).not.toBe(0);
    expect(produced.stderr).toMatch(/cannot append to internal topic "__consumer_offsets"/);
    const deleted = cli(['topics', 'delete', OFFSETS_TOPIC]);
    expect(deleted.status).not.toBe(0);
    expect(deleted.stderr).toMatch(/cannot delete internal topic "__consumer_offsets"/);
    expect(cli(['topics', 'list']).stdout).toContain(OFFSETS_TOPIC);
  });
});

describe('loaders of internal state skip and report what they cannot read', () => {
  it('a data directory whose __consumer_offsets holds foreign records opens, keeping the good offsets', async () => {
    const dir = freshDir();
    let log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    await log.createTopic('t', { partitions: 2 });
    let co = await coordinatorFor(log);
    await co.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 7 }] });
    // What a client could write before internal topics were refused (a log from an older version).
    const foreign = [
      { key: 'not json', value: '{"offset":1}' },
      { key: '["g","t"]', value: '{"offset":1}' },
      { key: '["g","t",1]', value: 'not json' },
      { key: '["g","t",1]', value: '{"offset":"seven"}' },
      { key: null, value: 'a record with a null key, last in the log' },
    ];
    for (const r of foreign) await log.append(OFFSETS_TOPIC, 0, [r], { writer: SYSTEM_WRITER });
    await log.close();

    const logger = recordingLogger();
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger });
    co = await coordinatorFor(log);
    expect(await co.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] })).toEqual([
      { topic: 't', partition: 0, offset: 7, metadata: null },
      { topic: 't', partition: 1, offset: -1, metadata: null },
    ]);
    const report = logger.lines.find((l) => /skipped 5 record\(s\) of internal topic "__consumer_offsets"/.test(l.msg));
    expect(report, JSON.stringify(logger.lines)).toBeDefined();
    expect(Object.keys(report!.fields!.reasons as object).sort()).toEqual(['key is not JSON', 'key is not [group, topic, partition]', 'null key', 'value is not JSON', 'value is not { offset, metadata }']);
    // Commits still work after it.
    await co.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 1, offset: 2 }] });
    await log.close();
  }, 20_000);

  it("a source-offsets topic holding foreign records still yields the connector's offsets", async () => {
    const client = embedded({ dataDir: freshDir(), maintenanceIntervalMs: 0 });
    const engine = await client.engine();
    await engine.createTopic(sourceOffsetsTopic('conn'), { partitions: 1, config: { 'cleanup.policy': 'compact' } });
    const records = [
      { key: JSON.stringify(['files', 'a.log']), value: '120' },
      { key: null, value: 'x' },
      { key: '{{{', value: '1' },
      { key: JSON.stringify(['files', 'b.log']), value: '{not json' },
      { key: JSON.stringify(['files', 'c.log']), value: '{"pos":5}' },
    ];
    await engine.append(sourceOffsetsTopic('conn'), 0, records);
    const logger = recordingLogger();
    const offsets = await readSourceOffsets(client, 'conn', 'files', logger);
    expect([...offsets]).toEqual([
      ['a.log', 120],
      ['c.log', { pos: 5 }],
    ]);
    expect(logger.lines.some((l) => /skipped 3 record\(s\) of internal topic "conn.source-offsets"/.test(l.msg))).toBe(true);
    await client.close();
  }, 20_000);
});

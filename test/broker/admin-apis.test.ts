/**
 * The admin APIs through kafkajs's admin client (CreatePartitions, DeleteRecords, DeleteGroups,
 * AlterConfigs, DescribeConfigs with synonyms and the broker resource, DescribeCluster,
 * OffsetFetch for all topics, CreateTopics with configs Sluice stores without acting on), and
 * through raw requests where kafkajs has no call (IncrementalAlterConfigs, OffsetDelete).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { RawClient } from './raw-client.js';
import { testBroker } from './support.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const broker = await testBroker({ defaultPartitions: 2 });
const kafka = new Kafka({ brokers: [broker.address], clientId: 'admin-test', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const raw = await RawClient.connect(broker.port);
afterAll(async () => {
  raw.close();
  await admin.disconnect();
});

/** kafkajs's per-topic error of a failed createTopics: type and message. */
async function creationError(topic: { topic: string; configEntries: Array<{ name: string; value: string }> }): Promise<string> {
  try {
    await admin.createTopics({ topics: [topic] });
    return 'created';
  } catch (err) {
    const inner = (err as { errors?: Array<{ type?: string; message: string }> }).errors?.[0];
    return `${inner?.type} ${inner?.message}`;
  }
}

const TOPIC = 2;
const BROKER = 4;

describe('admin APIs', () => {
  it('creates topics with every Kafka topic config, storing those Sluice does not act on', async () => {
    const configEntries = [
      { name: 'retention.ms', value: '3600000' },
      { name: 'min.insync.replicas', value: '1' },
      { name: 'message.timestamp.difference.max.ms', value: '86400000' },
      { name: 'min.compaction.lag.ms', value: '1000' },
      { name: 'unclean.leader.election.enable', value: 'false' },
      { name: 'compression.type', value: 'uncompressed' },
    ];
    expect(await admin.createTopics({ topics: [{ topic: 'ad-configs', numPartitions: 1, configEntries }] })).toBe(true);
    expect(await creationError({ topic: 'ad-bad', configEntries: [{ name: 'no.such.config', value: '1' }] })).toMatch(/^INVALID_CONFIG/);
    // kafkajs shows its own text; the broker's message names the config.
    const create = (name: string, value: string) => raw.request(19, 7, { topics: [{ name: 'ad-bad', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name, value }] }], timeoutMs: 1000 });
    expect((await create('no.such.config', '1')).topics[0]).toMatchObject({ errorCode: 40, errorMessage: expect.stringContaining('no.such.config') });
    expect((await create('min.insync.replicas', 'zero')).topics[0]).toMatchObject({ errorCode: 40, errorMessage: expect.stringContaining('min.insync.replicas') });
    expect(broker.engine.hasTopic('ad-bad')).toBe(false);
    // No partition count: the broker default (num.partitions = 2 here).
    expect(await admin.createTopics({ topics: [{ topic: 'ad-default' }] })).toBe(true);
    expect(broker.engine.partitionCount('ad-default')).toBe(2);

    const { resources } = await admin.describeConfigs({ resources: [{ type: TOPIC, name: 'ad-configs' }], includeSynonyms: true });
    const entries = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries.size).toBeGreaterThanOrEqual(36);
    expect(entries.get('retention.ms')).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 });
    expect(entries.get('retention.ms')!.configSynonyms).toEqual([
      { configName: 'retention.ms', configValue: '3600000', configSource: 1 },
      { configName: 'log.retention.ms', configValue: '604800000', configSource: 5 },
    ]);
    expect(entries.get('min.compaction.lag.ms')).toMatchObject({ configValue: '1000', configSource: 1 });
    expect(entries.get('segment.bytes')).toMatchObject({ configValue: String(256 * 1024 * 1024), isDefault: true, configSource: 5 });
    expect(entries.get('compression.type')!.configValue).toBe('uncompressed');
    expect(entries.get('flush.messages')!.configValue).toBe('9223372036854775807');
  });

  it('describes the broker resource (kafkajs and others read num.partitions and default.replication.factor there)', async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: BROKER, name: '0' }], includeSynonyms: false });
    const entries = new Map(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries.get('num.partitions')).toBe('2');
    expect(entries.get('default.replication.factor')).toBe('1');
    expect(entries.get('log.retention.ms')).toBe('604800000');
    expect(entries.get('message.max.bytes')).toBe('1048588');
    await expect(admin.describeConfigs({ resources: [{ type: BROKER, name: '7' }], includeSynonyms: false })).rejects.toThrow();
  });

  it('alters a topic config (AlterConfigs replaces, IncrementalAlterConfigs edits) and the log applies it', async () => {
    await admin.createTopics({ topics: [{ topic: 'ad-alter', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    await admin.alterConfigs({ resources: [{ type: TOPIC, name: 'ad-alter', configEntries: [{ name: 'max.message.bytes', value: '5000' }] }], validateOnly: false });
    let d = broker.engine.describeTopic('ad-alter');
    expect(d.config['max.message.bytes']).toBe(5000);
    expect(d.config['retention.ms']).toBe(604_800_000); // not given: back to its default
    expect(d.overrides).toEqual(['max.message.bytes']);

    const inc = await raw.request(44, 1, {
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'ad-alter',
          configs: [
            { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
            { name: 'segment.ms', configOperation: 0, value: '60000' },
            { name: 'max.message.bytes', configOperation: 1, value: null },
          ],
        },
      ],
      validateOnly: false,
    });
    expect(inc.responses[0].errorCode).toBe(0);
    d = broker.engine.describeTopic('ad-alter');
    expect(d.config['cleanup.policy']).toBe('compact,delete');
    expect(d.config['segment.ms']).toBe(60000);
    expect(d.config['max.message.bytes']).toBe(1_048_588);

    // A batch over a lowered max.message.bytes is refused at once.
    await admin.alterConfigs({ resources: [{ type: TOPIC, name: 'ad-alter', configEntries: [{ name: 'max.message.bytes', value: '200' }] }], validateOnly: false });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic: 'ad-alter', acks: -1, messages: [{ value: 'x'.repeat(500) }] })).rejects.toThrow(/message larger than/);
    await producer.disconnect();

    const bad = await raw.request(44, 0, { resources: [{ resourceType: TOPIC, resourceName: 'ad-alter', configs: [{ name: 'retention.ms', configOperation: 2, value: '5' }] }], validateOnly: false });
    expect(bad.responses[0].errorCode).toBe(40);
    const broker0 = await raw.request(33, 1, { resources: [{ resourceType: BROKER, resourceName: '0', configs: [{ name: 'num.partitions', value: '3' }] }], validateOnly: false });
    expect(broker0.responses[0].errorCode).toBe(42);
  });

  it('adds partitions and deletes records below an offset', async () => {
    await admin.createTopics({ topics: [{ topic: 'ad-grow', numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'ad-grow', count: 3 }] });
    expect(broker.engine.partitionCount('ad-grow')).toBe(3);
    expect((await admin.fetchTopicMetadata({ topics: ['ad-grow'] })).topics[0]!.partitions).toHaveLength(3);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'ad-grow', count: 2 }] })).rejects.toThrow();

    await broker.engine.append('ad-grow', 2, Array.from({ length: 10 }, (_, i) => ({ value: String(i) })));
    await admin.deleteTopicRecords({ topic: 'ad-grow', partitions: [{ partition: 2, offset: '6' }] });
    const offsets = await admin.fetchTopicOffsets('ad-grow');
    expect(offsets.find((o) => o.partition === 2)).toMatchObject({ low: '6', high: '10' });
    const left = (await broker.engine.readRecords('ad-grow', 2, 6, 1 << 20)).records.map((r) => r.value!.toString());
    expect(left).toEqual(['6', '7', '8', '9']);
  });

  it('fetches every committed offset of a group, deletes some (OffsetDelete), then the group (DeleteGroups)', async () => {
    await admin.createTopics({ topics: [{ topic: 'ad-g1', numPartitions: 2 }, { topic: 'ad-g2', numPartitions: 1 }] });
    // Commits outside group membership (generation −1), as an admin tool makes them (OffsetCommit v8, flexible).
    const commit = await raw.request(8, 8, {
      groupId: 'ad-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        { name: 'ad-g1', partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: null }, { partitionIndex: 1, committedOffset: 7, committedMetadata: null }] },
        { name: 'ad-g2', partitions: [{ partitionIndex: 0, committedOffset: 3, committedMetadata: null }] },
      ],
    });
    expect(commit.topics.flatMap((t: { partitions: Array<{ errorCode: number }> }) => t.partitions.map((p) => p.errorCode))).toEqual([0, 0, 0]);
    // No topics named: every topic the group committed (OffsetFetch with a null topic list).
    const all = await admin.fetchOffsets({ groupId: 'ad-group' });
    expect(all.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => [p.partition, p.offset]) })).sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: 'ad-g1', partitions: [[0, '5'], [1, '7']] },
      { topic: 'ad-g2', partitions: [[0, '3']] },
    ]);

    const del = await raw.request(47, 0, { groupId: 'ad-group', topics: [{ name: 'ad-g1', partitions: [{ partitionIndex: 1 }, { partitionIndex: 9 }] }] });
    expect(del.errorCode).toBe(0);
    expect(del.topics[0].partitions).toEqual([
      { partitionIndex: 1, errorCode: 0 },
      { partitionIndex: 9, errorCode: 3 },
    ]);
    expect((await admin.fetchOffsets({ groupId: 'ad-group', topics: ['ad-g1'] }))[0]!.partitions.find((p) => p.partition === 1)!.offset).toBe('-1');
    expect((await raw.request(47, 0, { groupId: 'ad-nobody', topics: [] })).errorCode).toBe(69);

    // A group with a live member subscribed to the topic keeps that topic's offsets.
    const local = embedded(broker.engine).consumer({ groupId: 'ad-live', topics: ['ad-g2'], heartbeatIntervalMs: 300 });
    await local.start();
    try {
      const end = Date.now() + 10_000;
      while (local.assignment().length === 0 && Date.now() < end) await local.poll({ maxWaitMs: 50 });
      await local.commit([{ topic: 'ad-g2', partition: 0, offset: 0 }]);
      const busy = await raw.request(47, 0, { groupId: 'ad-live', topics: [{ name: 'ad-g2', partitions: [{ partitionIndex: 0 }] }] });
      expect(busy.topics[0].partitions[0].errorCode).toBe(86);
      await expect(admin.deleteGroups(['ad-live'])).rejects.toThrow();
    } finally {
      await local.close();
    }

    const res = await admin.deleteGroups(['ad-group']);
    expect(res[0]).toMatchObject({ groupId: 'ad-group', errorCode: 0 });
    await expect(admin.deleteGroups(['ad-missing'])).rejects.toThrow(/DeleteGroups/);
    expect((await raw.request(42, 2, { groupsNames: ['ad-missing'] })).results).toEqual([{ groupId: 'ad-missing', errorCode: 69 }]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('ad-group');
    expect(await admin.fetchOffsets({ groupId: 'ad-group' })).toEqual([]);
  });

  it('describes the cluster', async () => {
    const c = await admin.describeCluster();
    expect(c.controller).toBe(0);
    expect(c.brokers).toEqual([{ nodeId: 0, host: broker.host, port: broker.port }]);
    expect(c.clusterId).toMatch(/^sluice-/);
    const v1 = await raw.request(60, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    expect(v1.errorCode).toBe(0);
    expect(v1.clusterAuthorizedOperations).toBeGreaterThan(0);
  });
});

/**
 * @platformatic/kafka 1.x, a current pure-JS client that speaks only the versions Kafka 3.5+ has
 * (ApiVersions v3+, Metadata v9+, Fetch v12+, JoinGroup v6+: flexible ones), in its default
 * configuration, against `sluice broker`: it administers topics, produces, consumes in a group,
 * commits, and a second consumer of the group resumes from the commits. A devDependency (pinned by
 * the lockfile) rather than an install at test time: the test then needs no network and no install
 * time, and CI installs it with everything else.
 */
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { checkScenario, platformaticScenario } from './scenario.js';
import { testBroker } from './support.js';

const broker = await testBroker({ autoCreateTopics: false });
const bootstrapBrokers = [broker.address];

describe('@platformatic/kafka (flexible versions only) against sluice broker', () => {
  it('administers topics, produces, consumes in a group, commits and resumes from the commits', async () => {
    const result = await platformaticScenario(broker.address, 'plat-scn', 'plat-g', 200);
    checkScenario(result, 200);
    // It really spoke flexible versions.
    const used = Object.keys(broker.stats().byVersion);
    const highest = (key: number) => Math.max(...used.filter((k) => k.startsWith(`${key}:`)).map((k) => Number(k.split(':')[1])));
    expect(highest(18)).toBeGreaterThanOrEqual(3); // ApiVersions
    expect(highest(3)).toBeGreaterThanOrEqual(9); // Metadata
    expect(highest(0)).toBeGreaterThanOrEqual(9); // Produce
    expect(highest(1)).toBeGreaterThanOrEqual(12); // Fetch
    expect(highest(11)).toBeGreaterThanOrEqual(6); // JoinGroup
    expect(highest(8)).toBeGreaterThanOrEqual(8); // OffsetCommit
  });

  it('produces gzip, snappy and lz4 batches, stored as sent, and reads them back', async () => {
    await broker.engine.createTopic('plat-cmp', { partitions: 1 });
    for (const compression of ['gzip', 'snappy', 'lz4'] as const) {
      const producer = new Producer({ clientId: 'plat-cmp', bootstrapBrokers, serializers: stringSerializers, compression });
      try {
        await producer.send({ messages: Array.from({ length: 50 }, (_, i) => ({ topic: 'plat-cmp', key: `k${i}`, value: `${compression}-${i}` })) });
      } finally {
        await producer.close();
      }
    }
    const { batches } = await broker.engine.read('plat-cmp', 0, 0, 1 << 20);
    expect(new Set(batches.map((b) => b[22]! & 0x07))).toEqual(new Set([1, 2, 3]));
    const consumer = new Consumer({ groupId: 'plat-cmp-g', clientId: 'plat-cmp', bootstrapBrokers, deserializers: stringDeserializers, maxWaitTime: 100 });
    const stream = await consumer.consume({ autocommit: false, topics: ['plat-cmp'], mode: 'earliest', sessionTimeout: 10_000, heartbeatInterval: 500 });
    const seen: string[] = [];
    for await (const m of stream) {
      seen.push(m.value);
      if (seen.length >= 150) break;
    }
    await stream.close();
    await consumer.close();
    expect(seen.sort()).toEqual(['gzip', 'snappy', 'lz4'].flatMap((c) => Array.from({ length: 50 }, (_, i) => `${c}-${i}`)).sort());
  });

  it('describes and alters configs, deletes records, offsets, groups and topics', async () => {
    const admin = new Admin({ clientId: 'plat-admin', bootstrapBrokers });
    try {
      await admin.createTopics({ topics: ['plat-adm'], partitions: 1, replicas: 1, configs: [{ name: 'min.insync.replicas', value: '1' }] });
      const [described] = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'plat-adm' }], includeSynonyms: true, includeDocumentation: true });
      const minIsr = described!.configs.find((c) => c.name === 'min.insync.replicas')!;
      expect(minIsr.value).toBe('1');
      expect(minIsr.configSource).toBe(1);
      const unused = described!.configs.find((c) => c.name === 'preallocate')!;
      expect(unused.documentation).toMatch(/does not act on it/);
      await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'plat-adm', configs: [{ name: 'retention.ms', configOperation: 0, value: '7200000' }] }] });
      expect(broker.engine.describeTopic('plat-adm').config['retention.ms']).toBe(7_200_000);

      await broker.engine.append('plat-adm', 0, Array.from({ length: 6 }, (_, i) => ({ value: String(i) })));
      const [deleted] = await admin.deleteRecords({ topics: [{ name: 'plat-adm', partitions: [{ partition: 0, offset: 4n }] }] });
      expect(deleted!.partitions[0]!.lowWatermark).toBe(4n);

      await admin.alterConsumerGroupOffsets({ groupId: 'plat-adm-g', topics: [{ name: 'plat-adm', partitionOffsets: [{ partition: 0, offset: 5n }] }] });
      const groups = await admin.listGroups();
      expect([...groups.keys()]).toContain('plat-adm-g');
      await admin.deleteConsumerGroupOffsets({ groupId: 'plat-adm-g', topics: [{ name: 'plat-adm', partitionIndexes: [0] }] });
      const [after] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: 'plat-adm-g', topics: [{ name: 'plat-adm', partitionIndexes: [0] }] }] });
      expect(after!.topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
      // A group with offsets again, then deleted as a whole.
      await admin.alterConsumerGroupOffsets({ groupId: 'plat-adm-g', topics: [{ name: 'plat-adm', partitionOffsets: [{ partition: 0, offset: 5n }] }] });
      await admin.deleteGroups({ groups: ['plat-adm-g'] });
      expect([...(await admin.listGroups()).keys()]).not.toContain('plat-adm-g');
      await admin.deleteTopics({ topics: ['plat-adm'] });
      expect(broker.engine.hasTopic('plat-adm')).toBe(false);
    } finally {
      await admin.close();
    }
  });
});

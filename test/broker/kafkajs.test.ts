/**
 * kafkajs 2.2.4 against `sluice broker`: admin, producer with acks −1, a consumer group of two
 * members, rebalance when one leaves, commit and resume, seek to a timestamp, and a group shared
 * with an in-process EmbeddedClient consumer.
 */
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { defaultPartition } from '../../core/log/partitioner.js';
import { testBroker } from './support.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const broker = await testBroker();
const kafka = new Kafka({ brokers: [broker.address], clientId: 'kafkajs-test', logLevel: logLevel.NOTHING });

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Seen {
  partition: number;
  key: string;
  offset: number;
}

async function member(groupId: string, topic: string, seen: Seen[], assigned: number[][]): Promise<Consumer> {
  const c = kafka.consumer({ groupId, heartbeatInterval: 300, sessionTimeout: 10_000, maxWaitTimeInMs: 100 });
  c.on(c.events.GROUP_JOIN, (e) => assigned.push((e.payload.memberAssignment[topic] ?? []).slice().sort()));
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      seen.push({ partition, key: message.key!.toString(), offset: Number(message.offset) });
    },
  });
  return c;
}

describe('kafkajs against sluice broker', () => {
  it('administers topics: create, list, metadata, configs, delete', async () => {
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'adm-a', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'adm-a', numPartitions: 3 }] })).toBe(false);
    expect(await admin.listTopics()).toContain('adm-a');
    const meta = await admin.fetchTopicMetadata({ topics: ['adm-a'] });
    expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    const cfg = await admin.describeConfigs({ resources: [{ type: 2, name: 'adm-a' }], includeSynonyms: false });
    expect(cfg.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms')?.configValue).toBe('3600000');
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name', numPartitions: 1 }] })).rejects.toThrow();
    await admin.deleteTopics({ topics: ['adm-a'] });
    expect(await admin.listTopics()).not.toContain('adm-a');
    expect(broker.engine.hasTopic('adm-a')).toBe(false);
    await admin.disconnect();
  });

  it('produces with acks −1 into the log, on the partition Sluice would pick', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'prod', numPartitions: 4 }] });
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 2000 }, (_, i) => ({ key: `key-${i}`, value: `value-${i}`, headers: { h: `x${i}` } }));
    const res = await producer.send({ topic: 'prod', acks: -1, messages });
    expect(res.every((r) => r.errorCode === 0)).toBe(true);
    const stored: Array<{ key: string; value: string; h: string; partition: number }> = [];
    for (let p = 0; p < 4; p++) {
      for (const r of (await broker.engine.readRecords('prod', p, 0, 1 << 24)).records) {
        stored.push({ key: r.key!.toString(), value: r.value!.toString(), h: r.headers.h!.toString(), partition: p });
      }
    }
    expect(stored).toHaveLength(2000);
    for (const s of stored) {
      expect(s.partition).toBe(defaultPartition(s.key, 4));
      expect(s.value).toBe(s.key.replace('key', 'value'));
      expect(s.h).toBe(`x${s.key.slice(4)}`);
    }
    await producer.disconnect();
    await admin.disconnect();
  });

  it('splits partitions between two group members, and rebalances to one when the other leaves', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'grp', numPartitions: 4 }] });
    const seenA: Seen[] = [];
    const seenB: Seen[] = [];
    const assignedA: number[][] = [];
    const assignedB: number[][] = [];
    const a = await member('g2', 'grp', seenA, assignedA);
    const b = await member('g2', 'grp', seenB, assignedB);
    await until(() => {
      const la = assignedA.at(-1);
      const lb = assignedB.at(-1);
      return !!la && !!lb && la.length === 2 && lb.length === 2;
    });
    expect([...assignedA.at(-1)!, ...assignedB.at(-1)!].sort()).toEqual([0, 1, 2, 3]);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'grp', acks: -1, messages: Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await until(() => seenA.length + seenB.length >= 400);
    expect(new Set(seenA.map((s) => s.partition))).toEqual(new Set(assignedA.at(-1)));
    expect(new Set(seenB.map((s) => s.partition))).toEqual(new Set(assignedB.at(-1)));
    expect(new Set([...seenA, ...seenB].map((s) => s.key)).size).toBe(400);

    const desc = await admin.describeGroups(['g2']);
    expect(desc.groups[0]!.members).toHaveLength(2);
    expect(desc.groups[0]!.state).toBe('Stable');

    await b.disconnect();
    await until(() => assignedA.at(-1)?.length === 4);
    await producer.send({ topic: 'grp', acks: -1, messages: Array.from({ length: 400 }, (_, i) => ({ key: `m${i}`, value: `v${i}` })) });
    await until(() => seenA.filter((s) => s.key.startsWith('m')).length >= 400);
    expect(new Set(seenA.filter((s) => s.key.startsWith('m')).map((s) => s.partition))).toEqual(new Set([0, 1, 2, 3]));
    await a.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('commits offsets and a new consumer of the group resumes after them', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'resume', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'resume', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `a${i}`, value: String(i) })) });

    const first = kafka.consumer({ groupId: 'g-resume', maxWaitTimeInMs: 100 });
    await first.connect();
    await first.subscribe({ topic: 'resume', fromBeginning: true });
    let count = 0;
    await first.run({ autoCommit: false, eachMessage: async ({ message }) => void count++ });
    await until(() => count >= 100);
    await first.commitOffsets([{ topic: 'resume', partition: 0, offset: '60' }]);
    await first.disconnect();

    const offsets = await admin.fetchOffsets({ groupId: 'g-resume', topics: ['resume'] });
    expect(offsets[0]!.partitions[0]!.offset).toBe('60');

    const second = kafka.consumer({ groupId: 'g-resume', maxWaitTimeInMs: 100 });
    const seen: number[] = [];
    await second.connect();
    await second.subscribe({ topic: 'resume', fromBeginning: true });
    await second.run({ eachMessage: async ({ message }) => void seen.push(Number(message.value!.toString())) });
    await until(() => seen.length >= 40);
    expect(seen[0]).toBe(60);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
    await second.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('seeks to a timestamp', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'times', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    const t0 = 1_700_000_000_000;
    await producer.send({ topic: 'times', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ value: String(i), timestamp: String(t0 + i * 1000) })) });
    const [at] = await admin.fetchTopicOffsetsByTimestamp('times', t0 + 20_500);
    expect(at!.offset).toBe('21');

    const c = kafka.consumer({ groupId: 'g-seek', maxWaitTimeInMs: 100 });
    const seen: Array<{ value: number; ts: number }> = [];
    await c.connect();
    await c.subscribe({ topic: 'times', fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void seen.push({ value: Number(message.value!.toString()), ts: Number(message.timestamp) }) });
    c.seek({ topic: 'times', partition: 0, offset: at!.offset });
    await until(() => seen.some((s) => s.value === 49));
    const afterSeek = seen.slice(seen.findIndex((s) => s.value === 21));
    expect(afterSeek[0]).toEqual({ value: 21, ts: t0 + 21_000 });
    await c.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('shares one group with an in-process EmbeddedClient consumer', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'mixed', numPartitions: 2 }] });
    const seen: Seen[] = [];
    const assigned: number[][] = [];
    const a = await member('g-mixed', 'mixed', seen, assigned);
    await until(() => assigned.at(-1)?.length === 2);

    const local = embedded(broker.engine);
    const inProcess = local.consumer({ groupId: 'g-mixed', topics: ['mixed'], assignor: 'roundrobin', heartbeatIntervalMs: 300 });
    await inProcess.start();
    const localSeen: Seen[] = [];
    let polling = true;
    const loop = (async () => {
      while (polling) {
        for (const b of await inProcess.poll({ maxWaitMs: 100 })) {
          for (const r of b.records) localSeen.push({ partition: b.partition, key: r.key!.toString(), offset: r.offset });
          await inProcess.commit([{ topic: b.topic, partition: b.partition, offset: b.records.at(-1)!.offset + 1 }]);
        }
      }
    })();
    await until(() => assigned.at(-1)?.length === 1 && inProcess.assignment().length === 1);
    const desc = await admin.describeGroups(['g-mixed']);
    expect(desc.groups[0]!.members.map((m) => m.clientId).sort()).toEqual(expect.arrayContaining(['kafkajs-test']));
    expect(desc.groups[0]!.members).toHaveLength(2);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'mixed', acks: -1, messages: Array.from({ length: 200 }, (_, i) => ({ key: `x${i}`, value: 'v' })) });
    await until(() => seen.length + localSeen.length >= 200);
    expect(seen.length).toBeGreaterThan(0);
    expect(localSeen.length).toBeGreaterThan(0);
    expect(new Set([...seen, ...localSeen].map((s) => s.key)).size).toBe(200);
    const localPartition = inProcess.assignment()[0]!.partition;
    const committed = await admin.fetchOffsets({ groupId: 'g-mixed', topics: ['mixed'] });
    const ours = committed[0]!.partitions.find((p) => p.partition === localPartition)!;
    expect(Number(ours.offset)).toBe(localSeen.filter((s) => s.partition === localPartition).length);
    polling = false;
    await loop;
    await inProcess.close();
    await a.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });
});

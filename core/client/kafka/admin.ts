/** LogAdmin over kafkajs's admin client; what kafkajs throws is translated (./errors.ts). */
// kafkajs is CommonJS; Node's ESM loader sees only some of its named exports.
import kafkajs, { type Admin } from 'kafkajs';
import { InvalidConfigError, UnknownTopicError } from '../../errors.js';
import { decodeMemberAssignment } from '../../groups/consumer-protocol.js';
import { topicConfigSchema, parseTopicConfig } from '../../log/topic-config.js';
import type { OffsetSpec, TopicDescription } from '../../log/types.js';
import type { GroupDescription, LogAdmin, TopicPartition } from '../types.js';
import { kafkaCall } from './errors.js';

const { ConfigResourceTypes } = kafkajs;
const KNOWN_CONFIG_KEYS = new Set(Object.keys(topicConfigSchema.shape));

export class KafkaAdmin implements LogAdmin {
  constructor(
    private readonly admin: () => Promise<Admin>,
    private readonly brokers: string[],
  ) {}

  private call<T>(what: string, topic: string | undefined, fn: () => Promise<T>): Promise<T> {
    return kafkaCall({ brokers: this.brokers, what, topic }, fn);
  }

  /**
   * kafkajs answers offset lookups from its cached metadata; a topic created a moment ago by
   * another client can be cached with no partitions, which makes kafkajs fail with a TypeError.
   * Refreshing that topic's metadata and trying again fixes it.
   */
  private async offsetsOf(topic: string, fromTimestamp?: number): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
    const admin = await this.admin();
    for (let attempt = 0; ; attempt++) {
      try {
        if (fromTimestamp === undefined) return await admin.fetchTopicOffsets(topic);
        return (await admin.fetchTopicOffsetsByTimestamp(topic, fromTimestamp)).map((o) => ({ ...o, high: '', low: '' }));
      } catch (err) {
        if (!(err instanceof TypeError) || attempt >= 5) throw err;
        await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => {});
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
  }

  createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<boolean> {
    return this.call(`creating topic "${name}"`, name, async () => {
      const admin = await this.admin();
      const configEntries = Object.entries(opts.config ?? {}).map(([n, value]) => ({ name: n, value: String(value) }));
      return admin.createTopics({ topics: [{ topic: name, numPartitions: opts.partitions, configEntries }], waitForLeaders: true });
    });
  }

  listTopics(): Promise<string[]> {
    return this.call('listing topics', undefined, async () => (await (await this.admin()).listTopics()).sort());
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.call(`describing topic "${name}"`, name, () => this.describe(name));
  }

  private async describe(name: string): Promise<TopicDescription> {
    const admin = await this.admin();
    if (!(await admin.listTopics()).includes(name)) throw new UnknownTopicError(name);
    const [offsets, configs] = await Promise.all([
      this.offsetsOf(name),
      admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name }], includeSynonyms: false }),
    ]);
    const entries: Record<string, string> = {};
    for (const e of configs.resources[0]?.configEntries ?? []) if (KNOWN_CONFIG_KEYS.has(e.configName) && e.configValue !== null) entries[e.configName] = e.configValue;
    let config;
    try {
      config = parseTopicConfig(entries);
    } catch {
      config = parseTopicConfig({}); // a Kafka value Sluice's schema does not know (e.g. zstd): show defaults
    }
    return {
      name,
      // kafkajs speaks Metadata v6, which has no topic ids: the all-zero id means "not known".
      topicId: '00000000000000000000000000000000',
      internal: name.startsWith('__'),
      config,
      partitions: offsets
        .map((o) => ({ partition: o.partition, logStartOffset: Number(o.low), highWatermark: Number(o.high), sizeBytes: -1 }))
        .sort((a, b) => a.partition - b.partition),
    };
  }

  deleteTopic(name: string): Promise<void> {
    return this.call(`deleting topic "${name}"`, name, async () => {
      const admin = await this.admin();
      // kafkajs retries an unknown topic's deletion for seconds before it gives up.
      if (!(await admin.listTopics()).includes(name)) throw new UnknownTopicError(name);
      await admin.deleteTopics({ topics: [name] });
    });
  }

  listOffsets(topic: string, spec: OffsetSpec): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    return this.call(`listing offsets of topic "${topic}"`, topic, () => this.offsets(topic, spec));
  }

  private async offsets(topic: string, spec: OffsetSpec): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    if (spec === 'earliest' || spec === 'latest') {
      const offsets = await this.offsetsOf(topic);
      return offsets.map((o) => ({ partition: o.partition, offset: Number(spec === 'earliest' ? o.low : o.high), timestamp: -1 })).sort((a, b) => a.partition - b.partition);
    }
    if (spec === 'max-timestamp') throw new InvalidConfigError('listing offsets by max timestamp needs ListOffsets v7, which kafkajs does not speak');
    const [byTime, ends] = await Promise.all([this.offsetsOf(topic, spec.timestamp), this.offsetsOf(topic)]);
    // kafkajs answers the high watermark where no record is that new; Sluice's contract says -1.
    const high = new Map(ends.map((e) => [e.partition, Number(e.high)]));
    return byTime
      .map((o) => {
        const offset = Number(o.offset);
        return { partition: o.partition, offset: offset >= (high.get(o.partition) ?? Infinity) ? -1 : offset, timestamp: -1 };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  listGroups(): Promise<string[]> {
    return this.call('listing groups', undefined, async () => (await (await this.admin()).listGroups()).groups.map((g) => g.groupId).sort());
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.call(`describing group "${groupId}"`, undefined, () => this.group(groupId));
  }

  private async group(groupId: string): Promise<GroupDescription> {
    const admin = await this.admin();
    // OffsetFetch v1 (what kafka-python pins, and what sluice broker serves) needs the topics named:
    // ask for every topic, then keep those the group has committed.
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    const [{ groups }, committed] = await Promise.all([admin.describeGroups([groupId]), topics.length ? admin.fetchOffsets({ groupId, topics }) : []]);
    const g = groups[0]!;
    const members = g.members.map((m) => {
      let assignment: TopicPartition[] = [];
      try {
        const a = decodeMemberAssignment(m.memberAssignment).assignment;
        assignment = Object.entries(a).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
      } catch {
        // not ConsumerProtocol bytes
      }
      return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment };
    });
    const offsets: GroupDescription['offsets'] = [];
    for (const t of committed) {
      const ends = new Map((await this.offsetsOf(t.topic)).map((o) => [o.partition, Number(o.high)]));
      for (const p of t.partitions) {
        const c = Number(p.offset);
        if (c < 0) continue;
        const end = ends.get(p.partition) ?? c;
        offsets.push({ topic: t.topic, partition: p.partition, committed: c, endOffset: end, lag: Math.max(0, end - c) });
      }
    }
    offsets.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return { groupId, state: (g.state || 'Dead') as GroupDescription['state'], protocol: g.protocol, members, offsets };
  }
}

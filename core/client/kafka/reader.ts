/**
 * A group-less reader over kafkajs: Fetch requests to each partition's leader from offsets the
 * caller names (Kafka's `consumer.assign()`), no group, no commits — what a state manager restores
 * a changelog with, as Kafka Streams' restore consumer does.
 *
 * kafkajs's public consumer only subscribes through a group, so this uses the cluster object
 * kafkajs's own consumer fetches through (its `Kafka` keeps the factory under a private symbol):
 * same connections, SASL/TLS, metadata and retries as every other kafkajs client of this Kafka.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { LogRecord } from '../../log/types.js';
import { RecordArrayCursor } from '../../log/record-cursor.js';
import type { FetchedBatch, FetchedCursor, PartitionReader, PollOptions, TopicPartition, TopicPartitionOffset } from '../types.js';
import { kafkaCall } from './errors.js';

/** The part of kafkajs's internal Cluster and Broker this reader uses. */
interface KafkajsBroker {
  fetch(req: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: Array<{ partition: number; highWatermark: string; messages: KafkajsMessage[] }> }> }>;
}
interface KafkajsMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
  isControlRecord?: boolean;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(b: { nodeId: string }): Promise<KafkajsBroker>;
}

const READ_UNCOMMITTED = 0;

function createCluster(kafka: Kafka): KafkajsCluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = key ? (kafka as unknown as Record<symbol, unknown>)[key] : undefined;
  if (typeof factory !== 'function') throw new Error('internal: this kafkajs version does not expose its cluster factory (Sluice expects kafkajs 2.x)');
  return factory({ allowAutoTopicCreation: false, isolationLevel: READ_UNCOMMITTED }) as KafkajsCluster;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class KafkaReader implements PartitionReader {
  private readonly positions = new Map<string, TopicPartitionOffset>();
  private cluster?: Promise<KafkajsCluster>;
  private readonly topicsKnown = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: () => Promise<Admin>,
    private readonly brokers: string[],
  ) {}

  private connected(): Promise<KafkajsCluster> {
    this.cluster ??= kafkaCall({ brokers: this.brokers, what: 'connecting a partition reader' }, async () => {
      await this.admin(); // an unreachable cluster is reported within the client's connect bound
      const c = createCluster(this.kafka);
      await c.connect();
      return c;
    });
    return this.cluster;
  }

  assign(partitions: TopicPartitionOffset[]): void {
    this.positions.clear();
    for (const tp of partitions) this.positions.set(tpKey(tp.topic, tp.partition), { ...tp });
  }

  assignment(): TopicPartitionOffset[] {
    return [...this.positions.values()].map((tp) => ({ ...tp }));
  }

  position(tp: TopicPartition): number | undefined {
    return this.positions.get(tpKey(tp.topic, tp.partition))?.offset;
  }

  /** kafkajs decodes every record itself: the cursor walks its records. */
  async pollCursors(opts: PollOptions = {}): Promise<FetchedCursor[]> {
    return (await this.poll(opts)).map((b) => ({ topic: b.topic, partition: b.partition, highWatermark: b.highWatermark, records: new RecordArrayCursor(b.records) }));
  }

  async poll(opts: PollOptions = {}): Promise<FetchedBatch[]> {
    if (this.positions.size === 0) return [];
    const cluster = await this.connected();
    const topics = [...new Set([...this.positions.values()].map((tp) => tp.topic))];
    if (topics.some((t) => !this.topicsKnown.has(t))) {
      await cluster.addMultipleTargetTopics(topics);
      for (const t of topics) this.topicsKnown.add(t);
    }
    const maxBytes = opts.maxBytesPerPartition ?? 1 << 20;
    // One Fetch per leader, for all of its assigned partitions.
    const byLeader = new Map<string, TopicPartitionOffset[]>();
    for (const topic of topics) {
      const parts = [...this.positions.values()].filter((tp) => tp.topic === topic);
      const leaders = cluster.findLeaderForPartitions(
        topic,
        parts.map((p) => p.partition),
      );
      for (const [leader, ps] of Object.entries(leaders)) {
        const list = byLeader.get(leader) ?? [];
        for (const p of ps) list.push(this.positions.get(tpKey(topic, p))!);
        byLeader.set(leader, list);
      }
    }
    const out: FetchedBatch[] = [];
    let budget = opts.maxRecords ?? Infinity;
    await Promise.all(
      [...byLeader].map(async ([nodeId, tps]) => {
        const broker = await cluster.findBroker({ nodeId });
        const grouped = new Map<string, Array<{ partition: number; fetchOffset: string; maxBytes: number }>>();
        for (const tp of tps) {
          const list = grouped.get(tp.topic) ?? [];
          list.push({ partition: tp.partition, fetchOffset: String(tp.offset), maxBytes });
          grouped.set(tp.topic, list);
        }
        let res;
        try {
          res = await broker.fetch({ replicaId: -1, isolationLevel: READ_UNCOMMITTED, maxWaitTime: opts.maxWaitMs ?? 0, minBytes: 1, maxBytes: maxBytes * tps.length, topics: [...grouped].map(([topic, partitions]) => ({ topic, partitions })) });
        } catch (err) {
          if ((err as { type?: string }).type !== 'OFFSET_OUT_OF_RANGE') throw err;
          // Below the log start (retention or compaction moved it): read from where the log begins.
          await this.resetToEarliest(tps);
          return;
        }
        for (const t of res.responses) {
          for (const p of t.partitions) {
            const tp = this.positions.get(tpKey(t.topicName, p.partition));
            if (!tp) continue;
            const records: LogRecord[] = [];
            let last = tp.offset - 1;
            for (const m of p.messages) {
              const offset = Number(m.offset);
              if (offset < tp.offset) continue;
              last = offset;
              if (m.isControlRecord) continue;
              if (budget <= 0) break;
              const headers: Record<string, Buffer> = {};
              for (const [k, v] of Object.entries(m.headers ?? {})) {
                const h = Array.isArray(v) ? v[v.length - 1] : v;
                if (h !== undefined) headers[k] = Buffer.isBuffer(h) ? h : Buffer.from(String(h));
              }
              records.push({ key: m.key ?? null, value: m.value ?? null, headers, timestamp: Number(m.timestamp), offset });
              budget--;
            }
            if (last >= tp.offset) tp.offset = (records.length ? records[records.length - 1]!.offset : last) + 1;
            if (records.length) out.push({ topic: t.topicName, partition: p.partition, records, highWatermark: Number(p.highWatermark) });
          }
        }
      }),
    );
    return out;
  }

  private async resetToEarliest(tps: TopicPartitionOffset[]): Promise<void> {
    const admin = await this.admin();
    for (const topic of new Set(tps.map((tp) => tp.topic))) {
      const offsets = await admin.fetchTopicOffsets(topic);
      for (const tp of tps) {
        if (tp.topic !== topic) continue;
        const o = offsets.find((x) => x.partition === tp.partition);
        if (o) tp.offset = Number(o.low);
      }
    }
  }

  async close(): Promise<void> {
    this.positions.clear();
    const c = this.cluster;
    this.cluster = undefined;
    await c?.then((x) => x.disconnect()).catch(() => {});
  }
}

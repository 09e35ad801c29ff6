/**
 * LogClient: the only way the worker, the DSL and the connectors touch a log. Two
 * implementations: EmbeddedClient (in-process, core/client/embedded) and KafkaClient (kafkajs,
 * core/client/kafka). The consumer is pull-based like Java's KafkaConsumer (poll → process →
 * commit), which is what Kafka Streams' own task loop is built on; rebalance listeners run inside
 * poll(), so a worker always finishes and commits a batch before its partitions move.
 */
import type { RecordCursor } from '../log/record-cursor.js';
import type { AppendRecord, Compression, LogRecord, OffsetSpec, TopicConfig, TopicDescription } from '../log/types.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** The next offset to read (Kafka's committed-offset convention). */
  offset: number;
}

export interface ProducerRecord extends AppendRecord {
  /** Explicit partition; otherwise the default partitioner (murmur2 of the key; sticky for null keys). */
  partition?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
}

export interface LogAdmin {
  /** Resolves false when the topic already existed (and was left as it is). */
  createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<boolean>;
  listTopics(): Promise<string[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  listOffsets(topic: string, spec: OffsetSpec): Promise<Array<{ partition: number; offset: number; timestamp: number }>>;
  listGroups(): Promise<string[]>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  /** Sets topic configs; null puts a key back to its default. Resolves with the topic's config after. */
  alterTopicConfig(name: string, changes: Record<string, string | null>): Promise<TopicConfig>;
  /** Grows a topic to `total` partitions (never fewer: keys already written would change partition). */
  createPartitions(name: string, total: number): Promise<void>;
  /**
   * Commits offsets for a group that has no members (what kafka-consumer-groups --reset-offsets
   * does); rejects with GroupNotEmptyError while it has members.
   */
  setGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
  /** Deletes an empty group and its committed offsets; GroupNotEmptyError while it has members, UnknownGroupError when there is none. */
  deleteGroup(groupId: string): Promise<void>;
}

export interface GroupDescription {
  groupId: string;
  state: 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';
  protocol: string;
  members: Array<{ memberId: string; clientId: string; host: string; assignment: TopicPartition[] }>;
  offsets: Array<TopicPartition & { committed: number; endOffset: number; lag: number }>;
}

export interface ProducerOptions {
  /**
   * For Sluice's own writers (a running app's changelogs, repartition topics and source offsets):
   * the app whose claimed internal topics this producer may append to. A producer without it is a
   * client, refused on every internal topic (InternalTopicError). Ignored on Kafka.
   */
  owner?: string;
}

export interface LogProducer {
  /**
   * Appends the records; resolves when they are durable per `acks` (-1, the default: durable under
   * the log's flush policy / all in-sync replicas on Kafka).
   */
  send(topic: string, records: ProducerRecord[], opts?: { acks?: -1 | 0 | 1; compression?: Compression }): Promise<RecordMetadata[]>;
  close(): Promise<void>;
}

export interface RebalanceListener {
  /** Called inside poll() before partitions are taken away: commit what is done for them. */
  onRevoked?(partitions: TopicPartition[]): Promise<void> | void;
  /** Called inside poll() after new partitions are assigned, before their first records are returned. */
  onAssigned?(partitions: TopicPartition[]): Promise<void> | void;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where to start a partition with no committed offset. Default 'earliest'. */
  autoOffsetReset?: 'earliest' | 'latest';
  /**
   * 'copartitioned' gives partition p of every subscribed topic to the same member (what tasks of
   * joins need); 'roundrobin' is kafkajs's RoundRobinAssigner and interoperates with kafkajs members.
   */
  assignor?: 'copartitioned' | 'roundrobin';
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  clientId?: string;
  listener?: RebalanceListener;
  /**
   * Check each batch's CRC-32C before decoding it (Kafka's `check.crcs`, default true). A batch
   * that fails, or cannot be decoded, is reported and skipped: the consumer moves past it.
   */
  checkCrcs?: boolean;
  /**
   * Hand out records that decode key, value and timestamp from the batch's bytes only when read
   * (ReadRecordsOptions.lazy): a spread or JSON.stringify of such a record does not see those
   * fields. For the worker's DSL pipelines; a client that cannot (Kafka over the wire) ignores it.
   */
  lazyRecords?: boolean;
}

export interface FetchedBatch extends TopicPartition {
  records: LogRecord[];
  highWatermark: number;
}

/** A partition's records as a cursor, without an object per record (PartitionReader.pollCursors). */
export interface FetchedCursor extends TopicPartition {
  records: RecordCursor;
  highWatermark: number;
}

export interface PollOptions {
  /** How long to wait for data when none is ready. Default 500 ms. */
  maxWaitMs?: number;
  /** Soft cap per partition per poll. Default 1 MiB. */
  maxBytesPerPartition?: number;
  /** Soft cap over all partitions. */
  maxRecords?: number;
}

export interface LogConsumer {
  /** Joins the group; the first assignment arrives through poll(). */
  start(): Promise<void>;
  /** Returns the next records of assigned, unpaused partitions and advances their positions. */
  poll(opts?: PollOptions): Promise<FetchedBatch[]>;
  /** Commits next-offsets to the group. Rejects if the partition is no longer assigned to this member. */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]>;
  seek(tp: TopicPartitionOffset): void;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  assignment(): TopicPartition[];
  /** Leaves the group (its partitions move to the remaining members). */
  close(): Promise<void>;
}

/**
 * A reader of named partitions from named offsets, without a consumer group (Kafka's
 * `consumer.assign()` + `seek()`): nothing is joined, committed or rebalanced. The worker's state
 * manager restores changelogs with it, as Kafka Streams' restore consumer does.
 */
export interface PartitionReader {
  /** Reads exactly these partitions from these offsets from now on (replacing the previous assignment). */
  assign(partitions: TopicPartitionOffset[]): void;
  assignment(): TopicPartitionOffset[];
  /**
   * Records of the assigned partitions from their positions, which move past them (and past
   * offsets compaction removed). Below the log start a position moves to the log start. Waits up
   * to maxWaitMs (default 0) when nothing is ready.
   */
  poll(opts?: PollOptions): Promise<FetchedBatch[]>;
  /**
   * The same records as poll, each partition's as a cursor (core/log/record-cursor.ts): on the
   * embedded log a walk over the undecoded batches, each CRC-checked once, with no object per
   * record (a restore reads a changelog this way). maxRecords is not applied: whole batches are
   * read, and the position moves past them.
   */
  pollCursors(opts?: PollOptions): Promise<FetchedCursor[]>;
  /** The next offset this reader will read of `tp` (undefined: not assigned). */
  position(tp: TopicPartition): number | undefined;
  close(): Promise<void>;
}

export interface LogClient {
  readonly kind: 'embedded' | 'kafka';
  connect(): Promise<void>;
  admin(): LogAdmin;
  producer(opts?: ProducerOptions): LogProducer;
  consumer(opts: ConsumerOptions): LogConsumer;
  /** A group-less reader of named partitions (restores, tools that read a partition directly). */
  reader(opts?: { clientId?: string; checkCrcs?: boolean }): PartitionReader;
  /**
   * Marks `topics` internal to the running app `owner` (its changelogs, repartition topics, source
   * offsets) until the returned release: clients can neither append to nor delete them. On the
   * embedded log; a no-op on Kafka, which has no such notion for an application's topics.
   */
  claimInternalTopics(owner: string, topics: string[]): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type { AppendRecord, LogRecord, OffsetSpec, RecordCursor, TopicConfig, TopicDescription };

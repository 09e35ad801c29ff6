/**
 * The record and log-engine contracts. Everything that stores or reads records goes through these
 * types; the on-disk and on-wire bytes are Kafka RecordBatch v2 (see ./record-batch).
 */

/** A stored record, as read back from the log. A null value is a tombstone. */
export interface LogRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Position in its partition; always a safe integer. */
  offset: number;
}

/** A record to append. Strings are stored as UTF-8. */
export interface AppendRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
  /** Defaults to the clock's now. */
  timestamp?: number;
}

export type FlushPolicy = 'always' | 'never' | { intervalMs: number };

export type Compression = 'none' | 'gzip';

/** Topic configuration, under Kafka's own key names so CLI, broker and docs share them. */
export interface TopicConfig {
  'cleanup.policy': 'delete' | 'compact' | 'compact,delete';
  /** -1 = keep forever. */
  'retention.ms': number;
  /** -1 = no size limit (per partition, as in Kafka). */
  'retention.bytes': number;
  'segment.bytes': number;
  'segment.ms': number;
  'delete.retention.ms': number;
  'compression.type': 'producer' | 'none' | 'gzip';
  'max.message.bytes': number;
}

export interface PartitionInfo {
  partition: number;
  logStartOffset: number;
  /** Next offset to be written (Kafka's high watermark / log end offset on one node). */
  highWatermark: number;
  sizeBytes: number;
}

export interface TopicDescription {
  name: string;
  partitions: PartitionInfo[];
  config: TopicConfig;
  internal: boolean;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Broker time of the append. */
  appendTime: number;
}

/** Raw whole RecordBatch v2 buffers; the first may start below the requested offset. */
export interface ReadResult {
  batches: Buffer[];
  highWatermark: number;
  logStartOffset: number;
}

export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

/** Injectable time source (tests drive retention and flush timers with it). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface OpenLogOptions {
  /** Directory of the log; omit (or set `memory: true`) for the in-memory mode. */
  dataDir?: string;
  memory?: boolean;
  /** Default 'always'. */
  flush?: FlushPolicy;
  clock?: Clock;
  logger?: Logger;
  /** Defaults applied to topics created without those keys. */
  topicDefaults?: Partial<TopicConfig>;
  /** How often retention and compaction run; default 30 000 ms. 0 disables the timer. */
  maintenanceIntervalMs?: number;
}

/**
 * The embedded topic/partition log (implemented by core/log/engine.ts, created with `openLog`).
 * Shared by the EmbeddedClient, the group coordinator and the broker; only one LogEngine may own a
 * data directory at a time.
 */
export interface LogEngine {
  readonly dataDir: string | null;
  readonly clock: Clock;
  /** Grows whenever a topic is created or deleted (so a cached copy of the topic list knows it is stale). */
  readonly topicsVersion: number;
  createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  /** Sets topic configs (null: back to the default); resolves with the topic's whole config. */
  alterTopicConfig(name: string, changes: Record<string, string | number | null>): Promise<TopicConfig>;
  /** Grows a topic to `total` partitions; refuses a count that is not larger. */
  createPartitions(name: string, total: number): Promise<void>;
  /** Every topic, internal ones (names starting with "__") included. */
  listTopics(): string[];
  hasTopic(name: string): boolean;
  describeTopic(name: string): TopicDescription;
  partitionCount(name: string): number;
  /** Encodes the records as one RecordBatch v2 and appends it; resolves once durable per the flush policy. */
  append(topic: string, partition: number, records: AppendRecord[], opts?: { compression?: Compression }): Promise<AppendResult>;
  /**
   * Appends already encoded RecordBatch v2 bytes (one or more concatenated batches) verbatim after
   * checking magic, length and CRC-32C, rewriting only each batch's base offset.
   */
  appendRaw(topic: string, partition: number, batches: Buffer): Promise<AppendResult>;
  /** Whole batches from the one containing `offset`, up to about maxBytes (at least one batch). Throws OffsetOutOfRangeError below the log start. */
  read(topic: string, partition: number, offset: number, maxBytes: number): Promise<ReadResult>;
  /** Like read, decoded; records below `offset` are skipped, and at most maxRecords are decoded (default: all read). */
  readRecords(topic: string, partition: number, offset: number, maxBytes: number, maxRecords?: number): Promise<{ records: LogRecord[]; highWatermark: number; logStartOffset: number }>;
  /** earliest = log start, latest = high watermark, timestamp = first offset whose timestamp >= t (or -1 when none). */
  listOffset(topic: string, partition: number, spec: OffsetSpec): Promise<{ offset: number; timestamp: number }>;
  /** Resolves true as soon as the partition's high watermark is > offset, false after timeoutMs or on abort. No polling. */
  waitFor(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Forces everything appended so far to disk. */
  flush(): Promise<void>;
  /** Runs retention and compaction now. */
  runMaintenance(): Promise<void>;
  close(): Promise<void>;
}

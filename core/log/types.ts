import type { TopicWriter } from './internal-topics.js';

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

/** Who is appending (core/log/internal-topics.ts): clients pass nothing; Sluice's own writers of internal topics say who they are. */
export interface AppendOptions {
  writer?: TopicWriter;
}

export interface ReadRecordsOptions {
  /** Check each batch's CRC-32C before decoding it (Kafka's consumer `check.crcs`); a bad batch is reported and skipped. */
  verifyCrc?: boolean;
  /**
   * Records whose key, value, timestamp and offset are read from the batch's bytes when accessed
   * (record-batch.ts BatchRecord): a spread or JSON.stringify of one does not see them. For a
   * reader whose code is known to read records by field only (the worker's DSL pipelines).
   */
  lazy?: boolean;
}

export interface ReadRecordsResult {
  records: LogRecord[];
  highWatermark: number;
  logStartOffset: number;
  /** Where the next read starts: after the last record returned, or past batches that could not be read. */
  next: number;
}

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Topic configuration, under Kafka's own key names so CLI, broker and docs share them (./topic-config.ts). */
export type { TopicConfig } from './topic-config.js';
import type { TopicConfig } from './topic-config.js';

export interface PartitionInfo {
  partition: number;
  logStartOffset: number;
  /** Next offset to be written (Kafka's high watermark / log end offset on one node). */
  highWatermark: number;
  sizeBytes: number;
}

export interface TopicDescription {
  name: string;
  /** Kafka's topic id (KIP-516): 32 hex digits, made at creation and kept with the topic. */
  topicId: string;
  partitions: PartitionInfo[];
  config: TopicConfig;
  /** The config keys set on the topic itself (the rest are the defaults); absent where unknown. */
  overrides?: string[];
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

/** max-timestamp: the first record with the partition's largest timestamp (Kafka's KIP-734). */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number };

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
  /** Most segment files open at once (least recently used closed first); default 512, or a quarter of the process's descriptor limit when lower. */
  maxOpenFiles?: number;
  /** Most partitions over all topics; a topic that would go past it is refused. Default 20 000. */
  maxPartitions?: number;
  /**
   * Open a damaged log anyway: a segment corrupt before valid batches is cut at its first bad batch
   * and a missing segment is accepted, both logged as errors (default false: refuse to open, with a
   * CorruptLogError naming the file and offsets).
   */
  repair?: boolean;
}

/**
 * The embedded topic/partition log (implemented by core/log/engine.ts, created with `openLog`).
 * Shared by the EmbeddedClient, the group coordinator and the broker; only one LogEngine may own a
 * data directory at a time.
 */
export interface LogEngine {
  readonly dataDir: string | null;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Grows whenever a topic is created or deleted (so a cached copy of the topic list knows it is stale). */
  readonly topicsVersion: number;
  createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<TopicDescription>;
  /** Refuses internal topics (InternalTopicError). */
  deleteTopic(name: string): Promise<void>;
  /** Grows a topic to `count` partitions (never shrinks: Kafka's CreatePartitions). */
  createPartitions(name: string, count: number): Promise<TopicDescription>;
  /**
   * Replaces the topic's own config (the keys not given return to their defaults) and applies it
   * to every partition at once. Refuses an unknown key or bad value naming it.
   */
  alterTopicConfig(name: string, overrides: Record<string, string | number>): Promise<TopicDescription>;
  /**
   * Deletes the records below `offset` (−1 = the high watermark) by moving the log start offset
   * there (Kafka's DeleteRecords); whole segments below it are removed. Returns the new log start.
   * Throws OffsetOutOfRangeError above the high watermark.
   */
  deleteRecords(topic: string, partition: number, offset: number): Promise<number>;
  /**
   * Marks `topics` internal to the running app `owner` until the returned release is called: no
   * client may append to them (only writers passing `writer: owner`) nor delete them.
   */
  claimInternalTopics(owner: string, topics: string[]): (() => void) | Promise<() => void>;
  /** "__" topics and topics claimed by running apps. */
  isInternalTopic(name: string): boolean;
  /** Every topic, internal ones (names starting with "__") included. */
  listTopics(): string[];
  hasTopic(name: string): boolean;
  describeTopic(name: string): TopicDescription;
  /** The name of the topic with this id (32 hex digits), if there is one. */
  topicById(id: string): string | undefined;
  partitionCount(name: string): number;
  /**
   * Encodes the records as RecordBatch v2 (one batch, or several when they exceed the topic's
   * max.message.bytes; a single record over it is refused with RecordTooLargeError) and appends
   * them; resolves once durable per the flush policy. Internal topics take only their writers.
   */
  append(topic: string, partition: number, records: AppendRecord[], opts?: AppendOptions & { compression?: Compression }): Promise<AppendResult>;
  /**
   * Appends already encoded RecordBatch v2 bytes (one or more concatenated batches) verbatim after
   * checking magic, length and CRC-32C, rewriting only each batch's base offset. Refuses a batch
   * over max.message.bytes (RecordTooLargeError) and one whose codec cannot be read here
   * (UnsupportedCompressionError).
   */
  appendRaw(topic: string, partition: number, batches: Buffer, opts?: AppendOptions): Promise<AppendResult>;
  /** Whole batches from the one containing `offset`, up to about maxBytes (at least one batch). Throws OffsetOutOfRangeError below the log start. */
  read(topic: string, partition: number, offset: number, maxBytes: number): Promise<ReadResult>;
  /**
   * Like read, decoded; records below `offset` are skipped, and at most maxRecords are decoded
   * (default: all read). A batch that cannot be decoded (or fails its CRC with verifyCrc) is
   * reported and skipped; `next` then points past it.
   */
  readRecords(topic: string, partition: number, offset: number, maxBytes: number, maxRecords?: number, opts?: ReadRecordsOptions): Promise<ReadRecordsResult>;
  /** earliest = log start, latest = high watermark, timestamp = first offset whose timestamp >= t (or -1 when none), max-timestamp = the first record with the largest timestamp (-1 when empty). */
  listOffset(topic: string, partition: number, spec: OffsetSpec): Promise<{ offset: number; timestamp: number }>;
  /** Resolves true as soon as the partition's high watermark is > offset, false after timeoutMs or on abort. No polling. */
  waitFor(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Forces everything appended so far to disk. */
  flush(): Promise<void>;
  /** Runs retention and compaction now. */
  runMaintenance(): Promise<void>;
  close(): Promise<void>;
}

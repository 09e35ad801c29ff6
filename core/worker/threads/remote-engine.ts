/**
 * A LogEngine in a task thread that forwards to the engine of the thread owning the log. Records
 * are encoded into RecordBatch bytes here and appended verbatim there (`appendRaw`); reads come
 * back as whole batches and are decoded here, so the CPU work of encoding and decoding runs in
 * the task's thread. Metadata (topics, partition counts, configs) is cached from the replies, so
 * the synchronous calls the clients make (partitionCount, hasTopic) need no round trip.
 */
import { codecLevel } from '../../log/codecs.js';
import { ClosedError, UnknownPartitionError, UnknownTopicError } from '../../errors.js';
import { batchSizeAt, decodeStoredBatches, encodeRecordBatch, encodeRecordBatchesTransient, BATCH_HEADER_SIZE } from '../../log/record-batch.js';
import { stderrLogger } from '../../log/engine.js';
import { isSystemTopic } from '../../log/internal-topics.js';
import {
  systemClock,
  type AppendOptions,
  type AppendRecord,
  type AppendResult,
  type Compression,
  type LogEngine,
  type LogRecord,
  type OffsetSpec,
  type ReadRecordsOptions,
  type ReadRecordsResult,
  type ReadResult,
  type TopicConfig,
  type TopicDescription,
} from '../../log/types.js';
import type { LogMeta } from './log-host.js';
import type { RpcClient } from './rpc.js';

interface CachedTopic {
  topicId: string;
  partitions: number;
  config: TopicConfig;
  internal: boolean;
  /** Last high watermark and log start seen per partition (from reads and appends). */
  hw: number[];
  start: number[];
}

export class RemoteLogEngine implements LogEngine {
  readonly clock = systemClock;
  readonly logger = stderrLogger;
  dataDir: string | null = null;
  topicsVersion = -1;
  private topics = new Map<string, CachedTopic>();
  private nextWait = 1;
  private closed = false;

  constructor(private readonly rpc: RpcClient) {}

  /** Replaces the cached metadata (called with every snapshot the log thread sends). */
  applyMeta(meta: LogMeta): void {
    this.dataDir = meta.dataDir;
    this.topicsVersion = meta.version;
    const next = new Map<string, CachedTopic>();
    for (const t of meta.topics) {
      const old = this.topics.get(t.name);
      const fill = (a: number[] | undefined) => Array.from({ length: t.partitions }, (_, i) => a?.[i] ?? 0);
      next.set(t.name, { topicId: t.topicId, partitions: t.partitions, config: t.config as unknown as TopicConfig, internal: t.internal, hw: fill(old?.hw), start: fill(old?.start) });
    }
    this.topics = next;
  }

  private topic(name: string): CachedTopic {
    const t = this.topics.get(name);
    if (!t) throw new UnknownTopicError(name);
    return t;
  }

  private check(topic: string, partition: number): CachedTopic {
    if (this.closed) throw new ClosedError('the log');
    const t = this.topic(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= t.partitions) throw new UnknownPartitionError(topic, partition);
    return t;
  }

  async createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<TopicDescription> {
    return this.rpc.call<TopicDescription>('createTopicRaw', [name, opts]);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.rpc.call('deleteTopicRaw', [name]);
  }

  async createPartitions(name: string, count: number): Promise<TopicDescription> {
    return this.rpc.call<TopicDescription>('createPartitionsRaw', [name, count]);
  }

  async alterTopicConfig(name: string, overrides: Record<string, string | number>): Promise<TopicDescription> {
    return this.rpc.call<TopicDescription>('alterTopicConfigRaw', [name, overrides]);
  }

  async deleteRecords(topic: string, partition: number, offset: number): Promise<number> {
    return this.rpc.call<number>('deleteRecords', [topic, partition, offset]);
  }

  /** Claims on the log's thread (released there too when this thread's connection closes). */
  async claimInternalTopics(owner: string, topics: string[]): Promise<() => void> {
    const id = await this.rpc.call<number>('claimInternalTopics', [owner, topics]);
    return () => void this.rpc.call('releaseInternalTopics', [id]).catch(() => {});
  }

  isInternalTopic(name: string): boolean {
    return isSystemTopic(name) || this.topics.get(name)?.internal === true;
  }

  listTopics(): string[] {
    return [...this.topics.keys()];
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  /** High watermarks are the last ones this thread saw; the admin asks the log thread for current ones. */
  describeTopic(name: string): TopicDescription {
    const t = this.topic(name);
    return {
      name,
      topicId: t.topicId,
      config: t.config,
      internal: t.internal,
      partitions: Array.from({ length: t.partitions }, (_, partition) => ({ partition, logStartOffset: t.start[partition]!, highWatermark: t.hw[partition]!, sizeBytes: 0 })),
    };
  }

  topicById(id: string): string | undefined {
    for (const [name, t] of this.topics) if (t.topicId === id) return name;
    return undefined;
  }

  partitionCount(name: string): number {
    return this.topic(name).partitions;
  }

  /** Encoded here, as one batch per max.message.bytes (the log thread checks each again). */
  async append(topic: string, partition: number, records: AppendRecord[], opts: AppendOptions & { compression?: Compression } = {}): Promise<AppendResult> {
    const t = this.check(topic, partition);
    if (records.length === 0) return { baseOffset: t.hw[partition]!, lastOffset: t.hw[partition]! - 1, appendTime: this.clock.now() };
    const configured = t.config['compression.type'];
    const compression = configured === 'producer' ? (opts.compression ?? 'none') : configured;
    const now = this.clock.now();
    const limit = t.config['max.message.bytes'];
    const batch = encodeRecordBatch(records, { baseOffset: 0, now, compression, compressionLevel: codecLevel(compression, t.config) });
    if (batch.length <= limit || records.length === 1) return this.appendRaw(topic, partition, batch, opts);
    // Uncompressed over the limit: consecutive batches of at most the limit, copied out of the
    // encoder's scratch buffer (which must never be the one transferred to the log thread).
    const several = encodeRecordBatchesTransient(records, { baseOffset: 0, now, compression }, limit);
    if (several !== null) return this.appendRaw(topic, partition, Buffer.from(several), opts);
    // Over the limit: halves, each appended in order (the rare path).
    const half = records.length >>> 1;
    const first = await this.append(topic, partition, records.slice(0, half), opts);
    const second = await this.append(topic, partition, records.slice(half), opts);
    return { baseOffset: first.baseOffset, lastOffset: second.lastOffset, appendTime: second.appendTime };
  }

  async appendRaw(topic: string, partition: number, batches: Buffer, opts: AppendOptions = {}): Promise<AppendResult> {
    const t = this.check(topic, partition);
    // Transfer the bytes when they own their memory; copy them out of a shared pool otherwise.
    const own = batches.byteOffset === 0 && batches.buffer.byteLength === batches.length ? batches : Buffer.from(batches);
    const writer = typeof opts.writer === 'string' ? opts.writer : null;
    const res = await this.rpc.call<AppendResult>('appendRaw', [topic, partition, own, writer], [own.buffer as ArrayBuffer]);
    if (res.lastOffset + 1 > t.hw[partition]!) t.hw[partition] = res.lastOffset + 1;
    return res;
  }

  /** Whole batches as the log thread read them (one transferred buffer, cut into views here). */
  async read(topic: string, partition: number, offset: number, maxBytes: number): Promise<ReadResult> {
    const t = this.check(topic, partition);
    const res = await this.rpc.call<{ bytes: Buffer; highWatermark: number; logStartOffset: number }>('read', [topic, partition, offset, maxBytes]);
    t.hw[partition] = res.highWatermark;
    t.start[partition] = res.logStartOffset;
    const batches: Buffer[] = [];
    for (let pos = 0; pos + BATCH_HEADER_SIZE <= res.bytes.length; ) {
      const size = batchSizeAt(res.bytes, pos, res.bytes.length);
      batches.push(res.bytes.subarray(pos, pos + size));
      pos += size;
    }
    return { batches, highWatermark: res.highWatermark, logStartOffset: res.logStartOffset };
  }

  async readRecords(topic: string, partition: number, offset: number, maxBytes: number, maxRecords = Infinity, opts: ReadRecordsOptions = {}): Promise<ReadRecordsResult> {
    const res = await this.read(topic, partition, offset, maxBytes);
    const onCorrupt = (info: { baseOffset: number; endOffset: number; error: string }) =>
      this.logger.error('a record batch cannot be read and is skipped', { topic, partition, offsets: `${info.baseOffset}-${info.endOffset - 1}`, error: info.error });
    const { records, next } = decodeStoredBatches(res.batches, offset, maxRecords, { verifyCrc: opts.verifyCrc, onCorrupt, topic, partition, lazy: opts.lazy });
    return { records, next, highWatermark: res.highWatermark, logStartOffset: res.logStartOffset };
  }

  listOffset(topic: string, partition: number, spec: OffsetSpec): Promise<{ offset: number; timestamp: number }> {
    return this.rpc.call('listOffset', [topic, partition, spec]);
  }

  async waitFor(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.closed || signal?.aborted) return false;
    const id = this.nextWait++;
    const onAbort = () => void this.rpc.call('cancelWait', [id]).catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.rpc.call<boolean>('waitFor', [id, topic, partition, offset, timeoutMs]);
    } catch {
      return false; // the connection closed: nothing more will arrive
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  flush(): Promise<void> {
    return this.rpc.call('flush', []);
  }

  runMaintenance(): Promise<void> {
    return this.rpc.call('runMaintenance', []);
  }

  /** Closes this thread's view only; the log stays open in its own thread. */
  async close(): Promise<void> {
    this.closed = true;
  }
}

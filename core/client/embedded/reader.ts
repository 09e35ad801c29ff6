/**
 * A group-less reader over the embedded log: Kafka's `consumer.assign()` — the caller names the
 * partitions and offsets, nothing joins a group or commits. What a state manager reads a
 * changelog with (Kafka Streams' restore consumer): one per task, straight from the log engine.
 */
import { OffsetOutOfRangeError } from '../../errors.js';
import { batchEndOffset } from '../../log/record-batch.js';
import { BatchRecordCursor } from '../../log/record-cursor.js';
import type { LogEngine } from '../../log/types.js';
import type { FetchedBatch, FetchedCursor, PartitionReader, PollOptions, TopicPartition, TopicPartitionOffset } from '../types.js';

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class EmbeddedReader implements PartitionReader {
  private readonly positions = new Map<string, TopicPartitionOffset>();
  private closed = false;

  constructor(
    private readonly engine: () => Promise<LogEngine>,
    private readonly opts: { checkCrcs?: boolean } = {},
  ) {}

  assign(partitions: TopicPartitionOffset[]): void {
    this.positions.clear();
    for (const tp of partitions) this.positions.set(tpKey(tp.topic, tp.partition), { ...tp });
  }

  assignment(): TopicPartitionOffset[] {
    return [...this.positions.values()].map((tp) => ({ ...tp }));
  }

  poll(opts: PollOptions = {}): Promise<FetchedBatch[]> {
    return this.pollWith(opts, (engine, tp, maxBytes, budget) => this.readFrom(engine, tp, maxBytes, budget), (b) => b.records.length);
  }

  /** Whole batches off the log, walked by a cursor (no LogRecord per record); each batch's CRC is checked once, as poll does. */
  pollCursors(opts: PollOptions = {}): Promise<FetchedCursor[]> {
    return this.pollWith({ ...opts, maxRecords: undefined }, (engine, tp, maxBytes) => this.readBatchesFrom(engine, tp, maxBytes), () => 0);
  }

  private async pollWith<T extends TopicPartition>(
    opts: PollOptions,
    read: (engine: LogEngine, tp: TopicPartitionOffset, maxBytes: number, budget: number) => Promise<T | null>,
    count: (fetched: T) => number,
  ): Promise<T[]> {
    const engine = await this.engine();
    const maxBytes = opts.maxBytesPerPartition ?? 1 << 20;
    let budget = opts.maxRecords ?? Infinity;
    const out: T[] = [];
    for (const tp of this.positions.values()) {
      if (budget <= 0 || this.closed) break;
      const fetched = await read(engine, tp, maxBytes, budget);
      if (!fetched) continue;
      budget -= count(fetched);
      out.push(fetched);
    }
    if (out.length === 0 && (opts.maxWaitMs ?? 0) > 0 && !this.closed) {
      // Nothing ready: wait (no polling) for data past the first partition's position, then read once more.
      const first = this.positions.values().next().value as TopicPartitionOffset | undefined;
      if (first && engine.hasTopic(first.topic) && (await engine.waitFor(first.topic, first.partition, first.offset, opts.maxWaitMs!))) return this.pollWith({ ...opts, maxWaitMs: 0 }, read, count);
    }
    return out;
  }

  private async readBatchesFrom(engine: LogEngine, tp: TopicPartitionOffset, maxBytes: number): Promise<FetchedCursor | null> {
    if (!engine.hasTopic(tp.topic)) return null;
    let res;
    try {
      res = await engine.read(tp.topic, tp.partition, tp.offset, maxBytes);
    } catch (err) {
      if (!(err instanceof OffsetOutOfRangeError)) throw err;
      tp.offset = (await engine.listOffset(tp.topic, tp.partition, 'earliest')).offset;
      return null;
    }
    const { batches } = res;
    if (batches.length === 0) return null;
    const from = tp.offset;
    tp.offset = Math.max(from, batchEndOffset(batches[batches.length - 1]!, 0));
    const { topic, partition } = tp;
    const onCorrupt = (info: { baseOffset: number; endOffset: number; error: string }) =>
      engine.logger.error('a record batch cannot be read and is skipped', { topic, partition, offsets: `${info.baseOffset}-${info.endOffset - 1}`, error: info.error });
    const records = new BatchRecordCursor(batches, from, { verifyCrc: this.opts.checkCrcs !== false, onCorrupt });
    return { topic, partition, records, highWatermark: res.highWatermark };
  }

  private async readFrom(engine: LogEngine, tp: TopicPartitionOffset, maxBytes: number, limit: number): Promise<FetchedBatch | null> {
    if (!engine.hasTopic(tp.topic)) return null;
    let res;
    try {
      res = await engine.readRecords(tp.topic, tp.partition, tp.offset, maxBytes, limit, { verifyCrc: this.opts.checkCrcs !== false });
    } catch (err) {
      if (!(err instanceof OffsetOutOfRangeError)) throw err;
      // Below the log start (retention or compaction moved it): read from where the log begins.
      tp.offset = (await engine.listOffset(tp.topic, tp.partition, 'earliest')).offset;
      return null;
    }
    let records = res.records;
    if (records.length === 0) {
      if (res.next > tp.offset) tp.offset = res.next;
      return null;
    }
    if (records.length > limit) records = records.slice(0, limit);
    tp.offset = records[records.length - 1]!.offset + 1;
    return { topic: tp.topic, partition: tp.partition, records, highWatermark: res.highWatermark };
  }

  position(tp: TopicPartition): number | undefined {
    return this.positions.get(tpKey(tp.topic, tp.partition))?.offset;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.positions.clear();
  }
}

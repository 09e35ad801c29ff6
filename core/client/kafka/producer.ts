/**
 * LogProducer over kafkajs. Records are partitioned here, with the same murmur2 partitioner as the
 * embedded producer (and kafkajs's DefaultPartitioner), so offsets per partition are known and a
 * key lands on the same partition whichever client wrote it.
 */
import { CompressionTypes, type IHeaders, type Message, type Producer } from 'kafkajs';
import { StickyPartitioner } from '../../log/partitioner.js';
import { partitionRecords } from '../partition-records.js';
import type { LogProducer, ProducerRecord, RecordMetadata } from '../types.js';

export class KafkaProducer implements LogProducer {
  private readonly sticky = new StickyPartitioner();

  constructor(
    private readonly producer: () => Promise<Producer>,
    private readonly partitionCount: (topic: string) => Promise<number>,
  ) {}

  async send(topic: string, records: ProducerRecord[], opts: { acks?: -1 | 0 | 1; compression?: 'none' | 'gzip' } = {}): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    const [producer, n] = await Promise.all([this.producer(), this.partitionCount(topic)]);
    const byPartition = partitionRecords(records, n, this.sticky, (r, partition): Message => ({
      key: r.key ?? null,
      value: r.value,
      headers: r.headers as IHeaders | undefined,
      timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
      partition,
    }));
    const acks = opts.acks ?? -1;
    const compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const res = await producer.sendBatch({ acks, compression, topicMessages: [{ topic, messages: [...byPartition.values()].flat() }] });
    if (acks === 0) return [];
    return res.map((m) => {
      const count = byPartition.get(m.partition)?.length ?? 1;
      const baseOffset = Number(m.baseOffset ?? m.offset ?? -1);
      return { topic, partition: m.partition, baseOffset, lastOffset: baseOffset + count - 1 };
    });
  }

  async close(): Promise<void> {}
}

/**
 * LogProducer over kafkajs. Records are partitioned here, with the same murmur2 partitioner as the
 * embedded producer (and kafkajs's DefaultPartitioner), so offsets per partition are known and a
 * key lands on the same partition whichever client wrote it.
 */
import { CompressionTypes, type IHeaders, type Message, type Producer } from 'kafkajs';
import { StickyPartitioner } from '../../log/partitioner.js';
import { partitionRecords } from '../partition-records.js';
import type { Compression } from '../../log/types.js';
import type { LogProducer, ProducerRecord, RecordMetadata } from '../types.js';
import { kafkaCall } from './errors.js';

const ROUND_BYTES = 512 * 1024;

/** kafkajs's codec ids by Kafka's compression.type names (snappy, lz4 and zstd registered by ./codecs.ts). */
const CODECS: Record<string, CompressionTypes> = {
  none: CompressionTypes.None,
  uncompressed: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

function sizeOf(m: Message): number {
  const len = (v: unknown) => (v === null || v === undefined ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v)));
  let n = 24 + len(m.key) + len(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + len(v);
  return n;
}

/** Splits each partition's messages into rounds of at most ROUND_BYTES per partition, in order. */
function* rounds(byPartition: Map<number, Message[]>): Generator<{ messages: Message[]; counts: Map<number, number> }> {
  const cursors = new Map([...byPartition].map(([p, ms]) => [p, { ms, i: 0 }]));
  while (cursors.size > 0) {
    const messages: Message[] = [];
    const counts = new Map<number, number>();
    for (const [p, c] of cursors) {
      let bytes = 0;
      const start = c.i;
      while (c.i < c.ms.length && (c.i === start || bytes + sizeOf(c.ms[c.i]!) <= ROUND_BYTES)) bytes += sizeOf(c.ms[c.i++]!);
      messages.push(...c.ms.slice(start, c.i));
      counts.set(p, c.i - start);
      if (c.i >= c.ms.length) cursors.delete(p);
    }
    yield { messages, counts };
  }
}

export class KafkaProducer implements LogProducer {
  private readonly sticky = new StickyPartitioner();

  constructor(
    private readonly producer: () => Promise<Producer>,
    private readonly partitionCount: (topic: string) => Promise<number>,
    private readonly brokers: string[],
    /** The topic's compression.type, which decides the codec unless it is "producer". */
    private readonly compressionType: (topic: string) => Promise<string> = async () => 'producer',
  ) {}

  async send(topic: string, records: ProducerRecord[], opts: { acks?: -1 | 0 | 1; compression?: Compression } = {}): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    return kafkaCall({ brokers: this.brokers, what: `producing to topic "${topic}"`, topic }, () => this.sendAll(topic, records, opts));
  }

  private async sendAll(topic: string, records: ProducerRecord[], opts: { acks?: -1 | 0 | 1; compression?: Compression }): Promise<RecordMetadata[]> {
    const [producer, n, configured] = await Promise.all([this.producer(), this.partitionCount(topic), this.compressionType(topic)]);
    const byPartition = partitionRecords(records, n, this.sticky, (r, partition): Message => ({
      key: r.key ?? null,
      value: r.value,
      headers: r.headers as IHeaders | undefined,
      timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
      partition,
    }));
    const acks = opts.acks ?? -1;
    const codec = configured === 'producer' ? (opts.compression ?? 'none') : configured;
    const compression = CODECS[codec] ?? CompressionTypes.None;
    // kafkajs puts a partition's messages of one request into one record batch; the broker refuses
    // a batch over max.message.bytes (1 MiB by default), so large sends go out in rounds.
    const firstOffset = new Map<number, number>();
    const lastOffset = new Map<number, number>();
    for (const round of rounds(byPartition)) {
      const res = await producer.sendBatch({ acks, compression, topicMessages: [{ topic, messages: round.messages }] });
      for (const m of res) {
        const base = Number(m.baseOffset ?? m.offset ?? -1);
        if (!firstOffset.has(m.partition)) firstOffset.set(m.partition, base);
        lastOffset.set(m.partition, base + (round.counts.get(m.partition) ?? 1) - 1);
      }
    }
    if (acks === 0) return [];
    return [...firstOffset].map(([partition, baseOffset]) => ({ topic, partition, baseOffset, lastOffset: lastOffset.get(partition)! }));
  }

  async close(): Promise<void> {}
}

/**
 * Producer over the embedded log: partitions records (explicit, murmur2 of the key, or sticky for
 * null keys), appends them per partition (one batch, or several over max.message.bytes), and
 * resolves when the log says they are durable. A client producer is refused on internal topics;
 * one made with an `owner` writes that running app's own internal topics.
 */
import { StickyPartitioner } from '../../log/partitioner.js';
import { partitionRecords } from '../partition-records.js';
import type { AppendRecord, Compression, LogEngine } from '../../log/types.js';
import type { LogProducer, ProducerRecord, RecordMetadata } from '../types.js';

export class EmbeddedProducer implements LogProducer {
  private readonly sticky = new StickyPartitioner();

  constructor(
    private readonly engine: () => Promise<LogEngine>,
    private readonly owner?: string,
  ) {}

  async send(topic: string, records: ProducerRecord[], opts: { acks?: -1 | 0 | 1; compression?: Compression } = {}): Promise<RecordMetadata[]> {
    if (records.length === 0) return [];
    const engine = await this.engine();
    const n = engine.partitionCount(topic);
    const byPartition = partitionRecords(records, n, this.sticky, (r): AppendRecord => r);
    const results = await Promise.all(
      [...byPartition].map(async ([partition, recs]) => {
        const res = await engine.append(topic, partition, recs, { compression: opts.compression, writer: this.owner });
        return { topic, partition, baseOffset: res.baseOffset, lastOffset: res.lastOffset };
      }),
    );
    return results;
  }

  async close(): Promise<void> {}
}

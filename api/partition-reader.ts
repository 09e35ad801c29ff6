/**
 * Reads records of one partition from an offset, outside any consumer group: on the embedded log
 * straight from the engine; on Kafka through a consumer of a throwaway group that is never
 * committed (what `sluice consume` does), positioned at the offset.
 */
import { randomUUID } from 'node:crypto';
import { EmbeddedClient } from '../core/client/embedded/client.js';
import type { LogClient } from '../core/client/types.js';
import type { LogRecord } from '../core/log/types.js';

export interface PartitionRead {
  records: LogRecord[];
  highWatermark: number;
  logStartOffset: number;
}

const MAX_BYTES = 4 * 1024 * 1024;

export async function readPartition(client: LogClient, topic: string, partition: number, offset: number, maxRecords: number, signal: AbortSignal): Promise<PartitionRead> {
  if (client instanceof EmbeddedClient) {
    const engine = await client.engine();
    const r = await engine.readRecords(topic, partition, offset, MAX_BYTES, maxRecords);
    return { records: r.records.filter((x) => x.offset >= offset).slice(0, maxRecords), highWatermark: r.highWatermark, logStartOffset: r.logStartOffset };
  }
  return readOverKafka(client, topic, partition, offset, maxRecords, signal);
}

async function readOverKafka(client: LogClient, topic: string, partition: number, offset: number, maxRecords: number, signal: AbortSignal): Promise<PartitionRead> {
  const admin = client.admin();
  const [lo, hi] = await Promise.all([admin.listOffsets(topic, 'earliest'), admin.listOffsets(topic, 'latest')]);
  const logStartOffset = lo.find((o) => o.partition === partition)?.offset ?? 0;
  const highWatermark = hi.find((o) => o.partition === partition)?.offset ?? 0;
  const from = Math.max(offset, logStartOffset);
  if (from >= highWatermark) return { records: [], highWatermark, logStartOffset };
  const consumer = client.consumer({
    groupId: `sluice-console-${randomUUID()}`,
    topics: [topic],
    clientId: 'sluice-console',
    listener: {
      onAssigned: (tps) => {
        consumer.pause(tps.filter((tp) => tp.partition !== partition));
        if (tps.some((tp) => tp.partition === partition)) consumer.seek({ topic, partition, offset: from });
      },
    },
  });
  const records: LogRecord[] = [];
  const deadline = Date.now() + 10_000;
  try {
    await consumer.start();
    while (records.length < maxRecords && Date.now() < deadline && !signal.aborted) {
      for (const b of await consumer.poll({ maxWaitMs: 500, maxRecords: maxRecords - records.length })) {
        if (b.partition === partition) for (const r of b.records) if (r.offset >= from && records.length < maxRecords) records.push(r);
      }
      if (records.length && records[records.length - 1]!.offset >= highWatermark - 1) break;
    }
  } finally {
    await consumer.close();
  }
  return { records, highWatermark, logStartOffset };
}

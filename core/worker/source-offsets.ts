/**
 * Source offsets (Kafka Connect's offset storage): the latest position per connector and source
 * partition, in the compacted topic `<app>.source-offsets`. Written only after the records they
 * cover are durable in the log; read back when a source starts.
 */
import type { LogClient } from '../client/types.js';
import type { SourceOffset } from './contracts.js';

export const sourceOffsetsTopic = (appId: string) => `${appId}.source-offsets`;

export async function ensureSourceOffsetsTopic(client: LogClient, appId: string): Promise<void> {
  await client.admin().createTopic(sourceOffsetsTopic(appId), { partitions: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': -1 } });
}

export async function readSourceOffsets(client: LogClient, appId: string, connector: string): Promise<Map<string, SourceOffset>> {
  const topic = sourceOffsetsTopic(appId);
  const out = new Map<string, SourceOffset>();
  const end = (await client.admin().listOffsets(topic, 'latest'))[0]?.offset ?? 0;
  if (end === 0) return out;
  // A throwaway reader: start from the beginning, stop at the end offset seen now.
  const consumer = client.consumer({ groupId: `${appId}.source-offsets-reader-${process.pid}-${Date.now()}`, topics: [topic], autoOffsetReset: 'earliest' });
  try {
    let next = 0;
    while (next < end) {
      const batches = await consumer.poll({ maxWaitMs: 1000 });
      for (const b of batches) {
        for (const r of b.records) {
          next = r.offset + 1;
          if (!r.key) continue;
          const [name, partition] = JSON.parse(r.key.toString()) as [string, string];
          if (name !== connector) continue;
          if (r.value === null) out.delete(partition);
          else out.set(partition, JSON.parse(r.value.toString()) as SourceOffset);
        }
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

export async function writeSourceOffsets(client: LogClient, appId: string, connector: string, offsets: Map<string, SourceOffset>): Promise<void> {
  if (offsets.size === 0) return;
  await client.producer().send(
    sourceOffsetsTopic(appId),
    [...offsets].map(([partition, offset]) => ({ key: JSON.stringify([connector, partition]), value: JSON.stringify(offset), partition: 0 })),
  );
}

/**
 * Source offsets (Kafka Connect's offset storage): the latest position per connector and source
 * partition, in the compacted topic `<app>.source-offsets`, an internal topic of the app (only
 * its own producer writes it while it runs). Written only after the records they cover are
 * durable in the log; read back when a source starts.
 *
 * Reading trusts nothing: a record this code did not write (null key, a key or value that is not
 * JSON, a key of the wrong shape) is skipped and reported, so a stray record can neither stop a
 * connector from starting nor hold up the read.
 */
import type { LogClient, LogProducer } from '../client/types.js';
import type { Logger } from '../log/types.js';
import type { SourceOffset } from './contracts.js';
import { SkippedRecords } from '../log/skipped-records.js';

export const sourceOffsetsTopic = (appId: string) => `${appId}.source-offsets`;

export async function ensureSourceOffsetsTopic(client: LogClient, appId: string): Promise<void> {
  await client.admin().createTopic(sourceOffsetsTopic(appId), { partitions: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': -1 } });
}

/** `[connector, sourcePartition]`, or null when the key is not one this code wrote. */
function parseKey(key: Buffer | null): [string, string] | null {
  if (!key) return null;
  let k: unknown;
  try {
    k = JSON.parse(key.toString('utf8'));
  } catch {
    return null;
  }
  return Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && typeof k[1] === 'string' ? [k[0], k[1]] : null;
}

export async function readSourceOffsets(client: LogClient, appId: string, connector: string, logger?: Logger): Promise<Map<string, SourceOffset>> {
  const topic = sourceOffsetsTopic(appId);
  const out = new Map<string, SourceOffset>();
  const end = (await client.admin().listOffsets(topic, 'latest'))[0]?.offset ?? 0;
  if (end === 0) return out;
  const skipped = new SkippedRecords(topic);
  // A throwaway reader: start from the beginning, stop at the end offset seen now.
  const consumer = client.consumer({ groupId: `${appId}.source-offsets-reader-${process.pid}-${Date.now()}`, topics: [topic], autoOffsetReset: 'earliest' });
  try {
    let next = 0;
    // Offsets below the end may not exist (compaction, or a batch the consumer had to skip):
    // several empty polls at our position mean there is nothing more to read.
    let idlePolls = 0;
    while (next < end && idlePolls < 4) {
      const batches = await consumer.poll({ maxWaitMs: 500 });
      let got = 0;
      for (const b of batches) {
        for (const r of b.records) {
          got++;
          next = Math.max(next, r.offset + 1);
          const key = parseKey(r.key);
          if (!key) {
            skipped.add(r.offset, r.key === null ? 'null key' : 'key is not ["connector", "partition"] JSON');
            continue;
          }
          const [name, partition] = key;
          if (name !== connector) continue;
          if (r.value === null) {
            out.delete(partition);
            continue;
          }
          try {
            out.set(partition, JSON.parse(r.value.toString('utf8')) as SourceOffset);
          } catch {
            skipped.add(r.offset, 'value is not JSON');
          }
        }
      }
      idlePolls = got === 0 ? idlePolls + 1 : 0;
    }
  } finally {
    await consumer.close();
  }
  skipped.report(logger);
  return out;
}

export async function writeSourceOffsets(producer: LogProducer, appId: string, connector: string, offsets: Map<string, SourceOffset>): Promise<void> {
  if (offsets.size === 0) return;
  await producer.send(
    sourceOffsetsTopic(appId),
    [...offsets].map(([partition, offset]) => ({ key: JSON.stringify([connector, partition]), value: JSON.stringify(offset), partition: 0 })),
  );
}

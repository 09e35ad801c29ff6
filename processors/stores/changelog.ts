/**
 * Changelog topics of state stores: `<app>-<store>-changelog`, compacted, one partition per task.
 * A store's changes are produced through the task (so the worker awaits them before it commits)
 * and the store is rebuilt from its partition when its task starts.
 */
import { randomUUID } from 'node:crypto';
import type { TaskContext } from '../../core/worker/contracts.js';

export const changelogTopic = (appId: string, store: string) => `${appId}-${store}-changelog`;

export const CHANGELOG_CONFIG = { 'cleanup.policy': 'compact', 'retention.ms': -1 } as const;

/** The latest value per key of the task's changelog partition (null = deleted), in offset order. */
export async function readChangelog(ctx: TaskContext, topic: string): Promise<Map<string, Buffer | null>> {
  const out = new Map<string, Buffer | null>();
  const admin = ctx.client.admin();
  const ends = await admin.listOffsets(topic, 'latest');
  const end = ends.find((e) => e.partition === ctx.partition)?.offset ?? 0;
  if (end === 0) return out;
  // A private reader: sole member of a throwaway group, it owns every partition and reads ours.
  const consumer = ctx.client.consumer({ groupId: `${ctx.appId}-restore-${randomUUID()}`, topics: [topic], autoOffsetReset: 'earliest' });
  try {
    await consumer.start();
    let next = 0;
    // Offsets below the end may not exist (compaction removed the tail, or a Kafka broker's
    // control records): after several empty long polls at our position there is nothing more to read.
    let idlePolls = 0;
    while (next < end) {
      const batches = await consumer.poll({ maxWaitMs: 500 });
      // Only our partition is read (the others are paused as soon as they are assigned).
      consumer.pause(consumer.assignment().filter((tp) => tp.partition !== ctx.partition));
      const ours = batches.filter((b) => b.partition === ctx.partition && b.records.length > 0);
      if (ours.length === 0 && consumer.assignment().some((tp) => tp.partition === ctx.partition) && ++idlePolls >= 4) {
        ctx.logger.warn('changelog restore stopped before the end offset: no more records to read', { topic, partition: ctx.partition, next, end });
        break;
      }
      if (ours.length) idlePolls = 0;
      for (const b of ours) {
        for (const r of b.records) {
          if (r.key) {
            const k = r.key.toString('utf8');
            out.delete(k);
            out.set(k, r.value);
          }
          next = r.offset + 1;
        }
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

/** Sends a batch of changelog records for this task's partition. */
export function logChanges(ctx: TaskContext, topic: string, changes: Iterable<[string, Buffer | string | null]>): void {
  const records = [];
  for (const [key, value] of changes) records.push({ key, value, partition: ctx.partition });
  if (records.length) ctx.send(topic, records);
}

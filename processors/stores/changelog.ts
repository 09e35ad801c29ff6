/**
 * Changelog topics of state stores: `<app>-<store>-changelog`, compacted, one partition per task.
 * A store's changes are produced through the task (so the worker commits a batch only once they
 * are durable, after its outputs) and the task's state manager rebuilds the store from its
 * partition before the first batch (core/worker/state-manager.ts).
 */
import type { LogRecord } from '../../core/client/types.js';
import type { TaskContext } from '../../core/worker/contracts.js';

export const changelogTopic = (appId: string, store: string) => `${appId}-${store}-changelog`;

export const CHANGELOG_CONFIG = { 'cleanup.policy': 'compact', 'retention.ms': -1 } as const;

/**
 * The latest value per key of the task's partition of `topic` (null = deleted), in offset order,
 * read with a group-less reader: what a table's own topic is rebuilt from.
 */
export async function readChangelog(ctx: TaskContext, topic: string): Promise<Map<string, Buffer | null>> {
  const out = new Map<string, Buffer | null>();
  await readPartition(ctx, topic, (records) => {
    for (const r of records) {
      if (!r.key) continue;
      const k = r.key.toString('utf8');
      out.delete(k);
      out.set(k, r.value);
    }
  });
  return out;
}

/** Every record of the task's partition of `topic` from the log start to its end now, in runs. */
export async function readPartition(ctx: TaskContext, topic: string, apply: (records: LogRecord[]) => void): Promise<void> {
  const admin = ctx.client.admin();
  const [latest, earliest] = await Promise.all([admin.listOffsets(topic, 'latest'), admin.listOffsets(topic, 'earliest')]);
  const end = latest.find((e) => e.partition === ctx.partition)?.offset ?? 0;
  const start = earliest.find((e) => e.partition === ctx.partition)?.offset ?? 0;
  if (end <= start) return;
  const reader = ctx.client.reader({ clientId: `${ctx.taskId}-read` });
  try {
    reader.assign([{ topic, partition: ctx.partition, offset: start }]);
    let idle = 0;
    while ((reader.position({ topic, partition: ctx.partition }) ?? end) < end) {
      const before = reader.position({ topic, partition: ctx.partition });
      const batches = await reader.poll({ maxBytesPerPartition: 1 << 20, maxWaitMs: idle ? 200 : 0 });
      for (const b of batches) apply(b.records.filter((r) => r.offset < end));
      if (batches.length === 0 && reader.position({ topic, partition: ctx.partition }) === before && ++idle >= 4) {
        ctx.logger.warn('changelog read stopped before the end offset: no more records to read', { topic, partition: ctx.partition, position: before, end });
        break;
      }
      if (batches.length) idle = 0;
    }
  } finally {
    await reader.close();
  }
}

/** Sends a batch of changelog records for this task's partition. */
export function logChanges(ctx: TaskContext, topic: string, changes: Iterable<[string | Buffer, Buffer | string | null]>): void {
  const records = [];
  for (const [key, value] of changes) records.push({ key, value, partition: ctx.partition });
  if (records.length) ctx.send(topic, records);
}

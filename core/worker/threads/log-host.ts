/**
 * The log's side of a task thread's connection: serves the embedded engine, its group coordinator
 * and an admin over a MessagePort. Record data crosses as whole RecordBatch bytes in transferred
 * buffers (the thread encodes and decodes), so this thread only copies bytes in and out of the log.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EmbeddedGroupCoordinator } from '../../groups/coordinator.js';
import type { LogEngine, OffsetSpec } from '../../log/types.js';
import { EmbeddedAdmin } from '../../client/embedded/admin.js';
import { emitEvent, serveRpc, Transfer } from './rpc.js';

/** What a task thread caches of the log to answer synchronous metadata calls. */
export interface LogMeta {
  dataDir: string | null;
  /** The engine's topicsVersion this snapshot was taken at. */
  version: number;
  topics: Array<{ name: string; topicId: string; partitions: number; config: Record<string, unknown>; internal: boolean }>;
}

export function logMeta(engine: LogEngine): LogMeta {
  return {
    dataDir: engine.dataDir,
    version: engine.topicsVersion,
    topics: engine.listTopics().map((name) => {
      const d = engine.describeTopic(name);
      return { name, topicId: d.topicId, partitions: d.partitions.length, config: { ...d.config }, internal: d.internal };
    }),
  };
}

/** Serves one thread's connection until the port closes. */
export function hostLog(engine: LogEngine, coordinator: EmbeddedGroupCoordinator, port: MessagePort): void {
  const admin = new EmbeddedAdmin(async () => ({ engine, coordinator }));
  const waits = new Map<number, AbortController>();
  const subscriptions = new Map<number, () => void>();
  /** Internal-topic claims of this thread's apps, released when the thread goes away. */
  const claims = new Map<number, () => void>();
  let nextClaim = 1;
  let sent = -1; // the topicsVersion this thread last got
  const connection = new AbortController();
  port.on('close', () => {
    connection.abort();
    for (const ac of waits.values()) ac.abort();
    for (const off of subscriptions.values()) off();
    for (const release of claims.values()) release();
    waits.clear();
    subscriptions.clear();
    claims.clear();
  });
  // A snapshot rides along with a reply only when the topic list changed since the last one sent.
  const meta = () => {
    if (engine.topicsVersion === sent) return undefined;
    sent = engine.topicsVersion;
    return logMeta(engine);
  };
  serveRpc(
    port,
    {
      // engine
      meta: () => ((sent = engine.topicsVersion), logMeta(engine)),
      createTopicRaw: (name, opts) => engine.createTopic(name as string, opts as Parameters<LogEngine['createTopic']>[1]),
      deleteTopicRaw: (name) => engine.deleteTopic(name as string),
      createPartitionsRaw: (name, count) => engine.createPartitions(name as string, count as number),
      alterTopicConfigRaw: (name, overrides) => engine.alterTopicConfig(name as string, overrides as Record<string, string>),
      deleteRecords: (topic, partition, offset) => engine.deleteRecords(topic as string, partition as number, offset as number),
      listOffset: (topic, partition, spec) => engine.listOffset(topic as string, partition as number, spec as OffsetSpec),
      read: async (topic, partition, offset, maxBytes) => {
        const res = await engine.read(topic as string, partition as number, offset as number, maxBytes as number);
        let total = 0;
        for (const b of res.batches) total += b.length;
        // One buffer of its own (never the shared pool), so it can be transferred rather than copied.
        const out = Buffer.allocUnsafeSlow(total);
        let pos = 0;
        for (const b of res.batches) pos += b.copy(out, pos);
        return new Transfer({ bytes: out, highWatermark: res.highWatermark, logStartOffset: res.logStartOffset }, [out.buffer]);
      },
      appendRaw: (topic, partition, bytes, writer) => engine.appendRaw(topic as string, partition as number, bytes as Buffer, writer ? { writer: writer as string } : {}),
      claimInternalTopics: async (owner, topics) => {
        const id = nextClaim++;
        claims.set(id, await engine.claimInternalTopics(owner as string, topics as string[]));
        return id;
      },
      releaseInternalTopics: (id) => {
        claims.get(id as number)?.();
        claims.delete(id as number);
      },
      waitFor: async (waitId, topic, partition, offset, timeoutMs) => {
        const ac = new AbortController();
        waits.set(waitId as number, ac);
        try {
          return await engine.waitFor(topic as string, partition as number, offset as number, timeoutMs as number, ac.signal);
        } finally {
          waits.delete(waitId as number);
        }
      },
      cancelWait: (waitId) => void waits.get(waitId as number)?.abort(),
      flush: () => engine.flush(),
      runMaintenance: () => engine.runMaintenance(),
      // group coordinator
      // A join pending when the thread goes away removes its member, as a closed connection does on the broker.
      joinGroup: (req) => coordinator.joinGroup(req as Parameters<EmbeddedGroupCoordinator['joinGroup']>[0], connection.signal),
      syncGroup: (req) => coordinator.syncGroup(req as Parameters<EmbeddedGroupCoordinator['syncGroup']>[0]),
      heartbeat: (req) => coordinator.heartbeat(req as Parameters<EmbeddedGroupCoordinator['heartbeat']>[0]),
      leaveGroup: (req) => coordinator.leaveGroup(req as Parameters<EmbeddedGroupCoordinator['leaveGroup']>[0]),
      commitOffsets: (req) => coordinator.commitOffsets(req as Parameters<EmbeddedGroupCoordinator['commitOffsets']>[0]),
      fetchOffsets: (req) => coordinator.fetchOffsets(req as Parameters<EmbeddedGroupCoordinator['fetchOffsets']>[0]),
      onRebalance: (subId, groupId) => {
        subscriptions.set(subId as number, coordinator.onRebalance(groupId as string, () => emitEvent(port, 'rebalance', subId)));
      },
      offRebalance: (subId) => {
        subscriptions.get(subId as number)?.();
        subscriptions.delete(subId as number);
      },
      // admin (answered here, where high watermarks and lags are current)
      createTopic: (name, opts) => admin.createTopic(name as string, opts as Parameters<EmbeddedAdmin['createTopic']>[1]),
      listTopics: () => admin.listTopics(),
      describeTopic: (name) => admin.describeTopic(name as string),
      deleteTopic: (name) => admin.deleteTopic(name as string),
      listOffsets: (topic, spec) => admin.listOffsets(topic as string, spec as OffsetSpec),
      listGroups: () => admin.listGroups(),
      describeGroup: (groupId) => admin.describeGroup(groupId as string),
    },
    meta,
  );
}

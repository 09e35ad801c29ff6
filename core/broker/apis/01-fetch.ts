/**
 * Fetch (key 1): v0–17, flexible from v12
 *
 * Request: cluster_id (tag 0, v12+), replica_id i32 (v0–14), replica_state (tag 1, v15+),
 *          max_wait_ms i32, min_bytes i32, max_bytes i32 (v3+), isolation_level i8 (v4+),
 *          session_id i32 (v7+), session_epoch i32 (v7+),
 *          topics [topic string (v0–12) | topic_id uuid (v13+),
 *                  partitions [partition i32, current_leader_epoch i32 (v9+), fetch_offset i64,
 *                              last_fetched_epoch i32 (v12+), log_start_offset i64 (v5+),
 *                              partition_max_bytes i32, replica_directory_id (tag 0, v17+)]],
 *          forgotten_topics_data [topic (v7–12) | topic_id (v13+), partitions [i32]] (v7+), rack_id string (v11+)
 * Response: throttle_time_ms i32 (v1+), error_code i16 (v7+), session_id i32 (v7+),
 *           responses [topic (v0–12) | topic_id (v13+),
 *                      partitions [partition_index i32, error_code i16, high_watermark i64,
 *                                  last_stable_offset i64 (v4+), log_start_offset i64 (v5+),
 *                                  diverging_epoch (tag 0), current_leader (tag 1), snapshot_id (tag 2) (v12+),
 *                                  aborted_transactions nullable [producer_id i64, first_offset i64] (v4+),
 *                                  preferred_read_replica i32 (v11+), records]],
 *           node_endpoints (tag 0, v16+)
 *
 * Behavior:
 * - Serves the stored batches byte for byte (no decoding, no re-encoding): whole batches only, the
 *   first one may start below fetch_offset (clients skip those records).
 * - v0–v3 (magic 0 for v0–v1, magic 1 for v2–v3): the batches are down-converted to a MessageSet
 *   (core/log/message-set.ts), unless the topic's message.downconversion.enable is false, which
 *   answers UNSUPPORTED_VERSION (35) for that partition, as Kafka does.
 * - partition_max_bytes and max_bytes are soft (KIP-74): the first batch is always returned whole,
 *   so a consumer makes progress whatever its limits. max_bytes is capped by the broker's
 *   fetch.max.bytes (55 MiB), as Kafka does: a client cannot make one response hold gigabytes.
 * - Bytes are read off the disk asynchronously: a large fetch does not hold up other connections.
 * - Waits up to max_wait_ms until min_bytes are available; an append to any partition of the
 *   request (or of the session) wakes it (no polling). Errors answer at once.
 * - records is an empty byte string when there is nothing, never null (librdkafka rejects null).
 * - fetch_offset below the log start or above the high watermark: OFFSET_OUT_OF_RANGE (1); unknown
 *   topic or partition: UNKNOWN_TOPIC_OR_PARTITION (3), or UNKNOWN_TOPIC_ID (100) from v13.
 * - v7+: fetch sessions (KIP-227, ../fetch-sessions.ts): epoch 0 opens one, later fetches list only
 *   changes and get only partitions with something new. Errors 70 / 71 as in Kafka.
 * - isolation_level: read_committed reads up to the last stable offset. Sluice has no
 *   transactions, so the last stable offset is the high watermark and no transaction is ever
 *   aborted (an empty list for read_committed, null for read_uncommitted, as Kafka answers).
 * - Below v10 a zstd batch is not served: UNSUPPORTED_COMPRESSION_TYPE (76) for that partition (KIP-110).
 * - log_start_offset: the partition's log start offset; preferred_read_replica −1 (one node:
 *   librdkafka would otherwise move its fetches there); leader epochs are not tracked (−1).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { OffsetOutOfRangeError } from '../../errors.js';
import { batchesToMessageSet } from '../../log/message-set.js';
import { registerApi, type BrokerContext } from '../api.js';
import { FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH, partitionKey, type FetchSession, type SessionPartition } from '../fetch-sessions.js';
import { api, arr, obj, ZERO_UUID, type ResponseOf } from '../schema.js';

export const fetchSchema = api(
  { key: 1, name: 'Fetch', valid: '0-17', flexible: '12+' },
  {
    clusterId: 'string v12+ null12+ tag0 =null',
    replicaId: 'int32 v0-14 =-1',
    replicaState: obj('v15+ tag1', { replicaId: 'int32 =-1', replicaEpoch: 'int64 =-1' }),
    maxWaitMs: 'int32',
    minBytes: 'int32',
    maxBytes: 'int32 v3+ =2147483647',
    isolationLevel: 'int8 v4+ =0',
    sessionId: 'int32 v7+ =0',
    sessionEpoch: 'int32 v7+ =-1',
    topics: arr('v0+', {
      topic: 'string v0-12',
      topicId: 'uuid v13+',
      partitions: arr('v0+', {
        partition: 'int32',
        currentLeaderEpoch: 'int32 v9+ =-1',
        fetchOffset: 'int64',
        lastFetchedEpoch: 'int32 v12+ =-1',
        logStartOffset: 'int64 v5+ =-1',
        partitionMaxBytes: 'int32',
        replicaDirectoryId: 'uuid v17+ tag0',
      }),
    }),
    forgottenTopicsData: arr('v7+', { topic: 'string v7-12', topicId: 'uuid v13+', partitions: '[]int32' }),
    rackId: 'string v11+ =',
  },
  {
    throttleTimeMs: 'int32 v1+',
    errorCode: 'int16 v7+',
    sessionId: 'int32 v7+ =0',
    responses: arr('v0+', {
      topic: 'string v0-12',
      topicId: 'uuid v13+',
      partitions: arr('v0+', {
        partitionIndex: 'int32',
        errorCode: 'int16',
        highWatermark: 'int64',
        lastStableOffset: 'int64 v4+ =-1',
        logStartOffset: 'int64 v5+ =-1',
        divergingEpoch: obj('v12+ tag0', { epoch: 'int32 =-1', endOffset: 'int64 =-1' }),
        currentLeader: obj('v12+ tag1', { leaderId: 'int32 =-1', leaderEpoch: 'int32 =-1' }),
        snapshotId: obj('v12+ tag2', { endOffset: 'int64 =-1', epoch: 'int32 =-1' }),
        abortedTransactions: arr('v4+ null4+', { producerId: 'int64', firstOffset: 'int64' }),
        preferredReadReplica: 'int32 v11+ =-1',
        records: 'records null0+',
      }),
    }),
    nodeEndpoints: arr('v16+ tag0', { nodeId: 'int32', host: 'string', port: 'int32', rack: 'string null0+ =null' }),
  },
);

type PartitionData = ResponseOf<typeof fetchSchema>['responses'][number]['partitions'][number];

const READ_COMMITTED = 1;
const ZSTD = 4;

/** One partition of this fetch: where to read, and what was read. */
interface Wanted {
  topic: string;
  topicId: string;
  partition: number;
  offset: number;
  maxBytes: number;
  /** Set when the partition cannot be read at all (unknown topic or id). */
  fixedError: number;
  error: number;
  highWatermark: number;
  logStartOffset: number;
  batches: Buffer[];
  bytes: number;
  /** The session's record of the partition (incremental fetches). */
  cached?: SessionPartition;
}

/** Reads every partition once; returns the bytes gathered. */
async function readAll(ctx: BrokerContext, parts: Wanted[], maxBytes: number): Promise<number> {
  const { engine } = ctx;
  let total = 0;
  for (const p of parts) {
    p.batches = [];
    p.bytes = 0;
    p.error = p.fixedError;
    if (p.error) continue;
    if (!engine.hasTopic(p.topic) || p.partition < 0 || p.partition >= engine.partitionCount(p.topic)) {
      p.error = p.topicId !== ZERO_UUID ? KafkaErrorCode.UNKNOWN_TOPIC_ID : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      p.highWatermark = -1;
      p.logStartOffset = -1;
      continue;
    }
    const budget = total === 0 ? Math.min(p.maxBytes, maxBytes) : Math.min(p.maxBytes, maxBytes - total);
    try {
      const res = await engine.read(p.topic, p.partition, p.offset, budget > 0 ? budget : 1);
      p.highWatermark = res.highWatermark;
      p.logStartOffset = res.logStartOffset;
      if (p.offset > res.highWatermark) {
        p.error = KafkaErrorCode.OFFSET_OUT_OF_RANGE;
        continue;
      }
      if (budget <= 0 && total > 0) continue; // over max_bytes: this partition waits for the next fetch
      p.batches = res.batches;
      for (const b of res.batches) p.bytes += b.length;
      total += p.bytes;
    } catch (err) {
      if (!(err instanceof OffsetOutOfRangeError)) throw err;
      p.error = KafkaErrorCode.OFFSET_OUT_OF_RANGE;
      p.highWatermark = (await engine.listOffset(p.topic, p.partition, 'latest')).offset;
      p.logStartOffset = err.logStartOffset;
    }
  }
  return total;
}

/** Resolves when any partition gets data past what it has, or at the deadline / connection close. */
async function waitForAny(ctx: BrokerContext, parts: Wanted[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race(
      parts
        .filter((p) => p.error === 0)
        .map((p) => ctx.engine.waitFor(p.topic, p.partition, Math.max(p.offset, p.highWatermark), timeoutMs, stop.signal)),
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/** Topic name and id of a request entry: by name up to v12, by id from v13. */
function resolveTopic(ctx: BrokerContext, version: number, name: string, id: string): { topic: string; topicId: string; error: number } {
  if (version < 13) return { topic: name, topicId: ctx.engine.hasTopic(name) ? ctx.engine.describeTopic(name).topicId : ZERO_UUID, error: 0 };
  const topic = ctx.engine.topicById(id);
  return topic === undefined ? { topic: '', topicId: id, error: KafkaErrorCode.UNKNOWN_TOPIC_ID } : { topic, topicId: id, error: 0 };
}

function newWanted(topic: string, topicId: string, partition: number, offset: number, maxBytes: number, fixedError: number): Wanted {
  return { topic, topicId, partition, offset, maxBytes, fixedError, error: 0, highWatermark: -1, logStartOffset: -1, batches: [], bytes: 0 };
}

/** What changed since the session last answered this partition (incremental fetches answer only those). */
function changed(p: Wanted): boolean {
  const c = p.cached;
  if (!c) return true;
  return p.bytes > 0 || p.error !== 0 || c.highWatermark !== p.highWatermark || c.logStartOffset !== p.logStartOffset || c.lastStableOffset !== p.highWatermark;
}

registerApi({
  schema: fetchSchema,
  async handle(req, version, ctx, conn) {
    const res = fetchSchema.response.defaults();
    const { fetchSessions } = ctx;
    const requested: Wanted[] = [];
    for (const t of req.topics) {
      const { topic, topicId, error } = resolveTopic(ctx, version, t.topic, t.topicId);
      for (const p of t.partitions) requested.push(newWanted(topic, topicId, p.partition, p.fetchOffset, p.partitionMaxBytes, error));
    }

    // Which partitions this fetch reads, and whether the answer is full or incremental.
    let parts = requested;
    let session: FetchSession | undefined;
    let incremental = false;
    if (version >= 7) {
      const { sessionId, sessionEpoch } = req;
      if (sessionEpoch === -1 || sessionEpoch === 0) {
        if (sessionId !== 0 && !fetchSessions.close(sessionId) && sessionEpoch === -1) {
          res.errorCode = FETCH_SESSION_ID_NOT_FOUND;
          return res;
        }
        if (sessionEpoch === 0) session = fetchSessions.open();
      } else {
        session = fetchSessions.get(sessionId);
        if (!session) res.errorCode = FETCH_SESSION_ID_NOT_FOUND;
        else if (session.epoch !== sessionEpoch) res.errorCode = INVALID_FETCH_SESSION_EPOCH;
        if (res.errorCode) return res;
        incremental = true;
      }
      if (session) {
        const s = session;
        if (incremental) {
          for (const t of req.forgottenTopicsData) {
            const { topic, topicId } = resolveTopic(ctx, version, t.topic, t.topicId);
            for (const p of t.partitions) s.partitions.delete(partitionKey(topicId, topic, p));
          }
        }
        for (const w of requested) {
          const key = partitionKey(w.topicId, w.topic, w.partition);
          const old = s.partitions.get(key);
          if (old) Object.assign(old, { fetchOffset: w.offset, maxBytes: w.maxBytes });
          else s.partitions.set(key, { topic: w.topic, topicId: w.topicId, partition: w.partition, fetchOffset: w.offset, maxBytes: w.maxBytes, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 });
        }
        s.epoch = s.epoch >= 0x7fffffff ? 1 : incremental ? s.epoch + 1 : 1;
        res.sessionId = s.id;
        if (incremental) {
          parts = [...s.partitions.values()].map((c) => {
            const w = newWanted(c.topic, c.topicId, c.partition, c.fetchOffset, c.maxBytes, 0);
            w.cached = c;
            return w;
          });
        }
      }
    }

    const maxBytes = Math.min(version >= 3 ? req.maxBytes : 0x7fffffff, ctx.settings.fetchMaxBytes);
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    let total = await readAll(ctx, parts, maxBytes);
    const hasNews = () => (incremental ? parts.some(changed) : parts.some((p) => p.error !== 0));
    while (total < Math.max(1, req.minBytes) && !hasNews() && parts.length > 0 && !conn.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await waitForAny(ctx, parts, left, conn.signal);
      total = await readAll(ctx, parts, maxBytes);
    }

    const answered = incremental ? parts.filter(changed) : parts;
    const byTopic = new Map<string, { topic: string; topicId: string; partitions: PartitionData[] }>();
    for (const p of answered) {
      let records: Buffer | Buffer[] = p.batches;
      let error = p.error;
      if (version < 10 && p.batches.some((b) => (b[22]! & 0x07) === ZSTD)) {
        // KIP-110: a client that may not know zstd (Fetch below v10) must not get zstd batches.
        error = KafkaErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
        records = [];
      } else if (version <= 3 && p.batches.length > 0) {
        if (ctx.engine.describeTopic(p.topic).config['message.downconversion.enable'] === false) {
          error = KafkaErrorCode.UNSUPPORTED_VERSION;
          records = [];
        } else records = batchesToMessageSet(p.batches, version <= 1 ? 0 : 1);
      }
      const key = `${p.topicId}\0${p.topic}`;
      let t = byTopic.get(key);
      if (!t) byTopic.set(key, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }));
      t.partitions.push({
        partitionIndex: p.partition,
        errorCode: error,
        highWatermark: p.highWatermark,
        lastStableOffset: p.highWatermark,
        logStartOffset: p.logStartOffset,
        divergingEpoch: { epoch: -1, endOffset: -1 },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1, epoch: -1 },
        abortedTransactions: req.isolationLevel === READ_COMMITTED ? [] : null,
        preferredReadReplica: -1,
        records,
      });
      if (session) {
        const c = session.partitions.get(partitionKey(p.topicId, p.topic, p.partition));
        if (c) Object.assign(c, { highWatermark: p.highWatermark, lastStableOffset: p.highWatermark, logStartOffset: p.logStartOffset });
      }
    }
    res.responses = [...byTopic.values()];
    return res;
  },
});

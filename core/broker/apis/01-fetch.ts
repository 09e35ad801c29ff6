/**
 * Fetch (key 1): v4
 *
 * Request v4: replica_id i32, max_wait_ms i32, min_bytes i32, max_bytes i32, isolation_level i8,
 *             topics [topic string, partitions [partition i32, fetch_offset i64, partition_max_bytes i32]]
 * Response v4: throttle_time_ms i32,
 *              responses [topic string, partitions [partition_index i32, error_code i16, high_watermark i64,
 *                         last_stable_offset i64, aborted_transactions nullable [producer_id i64, first_offset i64],
 *                         records nullable bytes]]
 *
 * Behavior:
 * - Serves the stored batches byte for byte (no decoding, no re-encoding): whole batches only, the
 *   first one may start below fetch_offset (clients skip those records).
 * - partition_max_bytes and max_bytes are soft (KIP-74): the first batch is always returned whole,
 *   so a consumer makes progress whatever its limits. max_bytes is capped by the broker's
 *   fetch.max.bytes (55 MiB), as Kafka does: a client cannot make one response hold gigabytes.
 * - Bytes are read off the disk asynchronously: a large fetch does not hold up other connections.
 * - Waits up to max_wait_ms until min_bytes are available; an append to any requested partition
 *   wakes it (no polling). Errors answer at once.
 * - records is an empty byte string when there is nothing, never null (librdkafka rejects null).
 * - fetch_offset below the log start or above the high watermark: OFFSET_OUT_OF_RANGE (1); unknown
 *   topic or partition: UNKNOWN_TOPIC_OR_PARTITION (3).
 * - No transactions: last_stable_offset = high watermark, aborted_transactions empty, whatever the
 *   isolation level.
 * - Only v4: older versions need MessageSet down-conversion, newer ones add fetch sessions.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { OffsetOutOfRangeError } from '../../errors.js';
import { registerApi, type BrokerContext } from '../api.js';
import { Writer } from '../wire.js';

interface PartitionFetch {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
  error: number;
  highWatermark: number;
  batches: Buffer[];
  bytes: number;
}

/** Reads every partition once; returns the bytes gathered. */
async function readAll(ctx: BrokerContext, parts: PartitionFetch[], maxBytes: number): Promise<number> {
  const { engine } = ctx;
  let total = 0;
  for (const p of parts) {
    p.batches = [];
    p.bytes = 0;
    p.error = 0;
    if (!engine.hasTopic(p.topic) || p.partition < 0 || p.partition >= engine.partitionCount(p.topic)) {
      p.error = KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      p.highWatermark = -1;
      continue;
    }
    const budget = total === 0 ? Math.min(p.maxBytes, maxBytes) : Math.min(p.maxBytes, maxBytes - total);
    try {
      const res = await engine.read(p.topic, p.partition, p.offset, budget > 0 ? budget : 1);
      p.highWatermark = res.highWatermark;
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
    }
  }
  return total;
}

/** Resolves when any partition gets data past what it has, or at the deadline / connection close. */
async function waitForAny(ctx: BrokerContext, parts: PartitionFetch[], timeoutMs: number, signal: AbortSignal): Promise<void> {
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

registerApi({
  key: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 4,
  async handle(req, _version, ctx, conn) {
    req.int32(); // replica_id
    const maxWaitMs = Math.max(0, req.int32());
    const minBytes = req.int32();
    const maxBytes = Math.min(req.int32(), ctx.settings.fetchMaxBytes);
    req.int8(); // isolation_level
    const parts: PartitionFetch[] = [];
    const topics = req.array((r) => {
      const topic = r.string();
      return {
        topic,
        partitions: r.array((r) => {
          const p: PartitionFetch = { topic, partition: r.int32(), offset: r.int64(), maxBytes: r.int32(), error: 0, highWatermark: -1, batches: [], bytes: 0 };
          parts.push(p);
          return p;
        }),
      };
    });
    const deadline = Date.now() + maxWaitMs;
    let total = await readAll(ctx, parts, maxBytes);
    while (total < Math.max(1, minBytes) && !parts.some((p) => p.error !== 0) && parts.length > 0 && !conn.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await waitForAny(ctx, parts, left, conn.signal);
      total = await readAll(ctx, parts, maxBytes);
    }

    const w = new Writer().int32(0);
    w.array(topics, (w, t) => {
      w.string(t.topic);
      w.array(t.partitions, (w, p) => {
        w.int32(p.partition).int16(p.error).int64(p.highWatermark).int64(p.highWatermark);
        w.int32(0); // aborted_transactions: none
        w.bytesFrom(p.batches);
      });
    });
    return w;
  },
});

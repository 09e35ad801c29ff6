/**
 * ListOffsets (key 2): v1–2
 *
 * Request v1: replica_id i32, topics [name string, partitions [partition_index i32, timestamp i64]]
 *         v2: replica_id i32, isolation_level i8, topics [...]
 * Response v1: topics [name string, partitions [partition_index i32, error_code i16, timestamp i64, offset i64]]
 *          v2: throttle_time_ms i32 first
 *
 * Behavior:
 * - timestamp −1 = latest (the high watermark), −2 = earliest (the log start offset), otherwise the
 *   first offset whose record timestamp is ≥ it, with that timestamp; none: offset −1, timestamp −1.
 * - Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION (3).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import type { OffsetSpec } from '../../log/types.js';
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 2,
  async handle(req, version, ctx) {
    req.int32(); // replica_id
    if (version >= 2) req.int8(); // isolation_level
    const topics = req.array((r) => ({ name: r.string(), partitions: r.array((r) => ({ index: r.int32(), timestamp: r.int64() })) }));
    const { engine } = ctx;
    const results = await Promise.all(
      topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            if (!engine.hasTopic(t.name) || p.index < 0 || p.index >= engine.partitionCount(t.name)) {
              return { index: p.index, error: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: -1 };
            }
            const spec: OffsetSpec = p.timestamp === -1 ? 'latest' : p.timestamp === -2 ? 'earliest' : { timestamp: p.timestamp };
            const res = await engine.listOffset(t.name, p.index, spec);
            return { index: p.index, error: 0, timestamp: res.timestamp, offset: res.offset };
          }),
        ),
      })),
    );
    const w = throttleIf(new Writer(), version >= 2);
    w.array(results, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.index).int16(p.error).int64(p.timestamp).int64(p.offset));
    });
    return w;
  },
});

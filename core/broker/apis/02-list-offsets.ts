/**
 * ListOffsets (key 2): v0–9, flexible from v6
 *
 * Request: replica_id i32, isolation_level i8 (v2+),
 *          topics [name string, partitions [partition_index i32, current_leader_epoch i32 (v4+),
 *                                           timestamp i64, max_num_offsets i32 (v0)]]
 * Response: throttle_time_ms i32 (v2+),
 *           topics [name string, partitions [partition_index i32, error_code i16, old_style_offsets [i64] (v0),
 *                                            timestamp i64 (v1+), offset i64 (v1+), leader_epoch i32 (v4+)]]
 *
 * Behavior:
 * - timestamp −1 = latest (the high watermark; for read_committed the last stable offset, which is
 *   the same without transactions), −2 = earliest (the log start offset), −3 (v7+) = the first
 *   record with the largest timestamp (KIP-734), −4 (v8+) = the earliest local offset (the log
 *   start: everything is local), −5 (v9+) = the last tiered offset, −1 as nothing is tiered
 *   (KIP-1005); otherwise the first offset whose record timestamp is ≥ it, with that timestamp;
 *   none: offset −1, timestamp −1.
 * - v0 answers a list of at most max_num_offsets offsets instead (old_style_offsets): the one
 *   offset the same lookup finds (for a timestamp with no newer record: the high watermark).
 * - Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION (3). leader_epoch is −1 (not tracked).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import type { OffsetSpec } from '../../log/types.js';
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const listOffsetsSchema = api(
  { key: 2, name: 'ListOffsets', valid: '0-9', flexible: '6+' },
  {
    replicaId: 'int32',
    isolationLevel: 'int8 v2+',
    topics: arr('v0+', {
      name: 'string',
      partitions: arr('v0+', { partitionIndex: 'int32', currentLeaderEpoch: 'int32 v4+ =-1', timestamp: 'int64', maxNumOffsets: 'int32 v0 =1' }),
    }),
  },
  {
    throttleTimeMs: 'int32 v2+',
    topics: arr('v0+', {
      name: 'string',
      partitions: arr('v0+', {
        partitionIndex: 'int32',
        errorCode: 'int16',
        oldStyleOffsets: '[]int64 v0',
        timestamp: 'int64 v1+ =-1',
        offset: 'int64 v1+ =-1',
        leaderEpoch: 'int32 v4+ =-1',
      }),
    }),
  },
);

const LATEST_TIERED = -5;
const EARLIEST_LOCAL = -4;
const MAX_TIMESTAMP = -3;

registerApi({
  schema: listOffsetsSchema,
  async handle(req, version, ctx) {
    const { engine } = ctx;
    const res = listOffsetsSchema.response.defaults();
    res.topics = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const out = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [] as number[], timestamp: -1, offset: -1, leaderEpoch: -1 };
            if (!engine.hasTopic(t.name) || p.partitionIndex < 0 || p.partitionIndex >= engine.partitionCount(t.name)) {
              out.errorCode = KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
              return out;
            }
            const ts = p.timestamp;
            if (ts === LATEST_TIERED && version >= 9) return out;
            let spec: OffsetSpec;
            if (ts === -1) spec = 'latest';
            else if (ts === -2 || (ts === EARLIEST_LOCAL && version >= 8)) spec = 'earliest';
            else if (ts === MAX_TIMESTAMP && version >= 7) spec = 'max-timestamp';
            else if (ts < 0) {
              out.errorCode = KafkaErrorCode.INVALID_REQUEST;
              return out;
            } else spec = { timestamp: ts };
            const found = await engine.listOffset(t.name, p.partitionIndex, spec);
            if (version === 0) {
              const offset = found.offset >= 0 ? found.offset : (await engine.listOffset(t.name, p.partitionIndex, 'latest')).offset;
              out.oldStyleOffsets = p.maxNumOffsets > 0 ? [offset] : [];
            } else {
              out.timestamp = found.timestamp;
              out.offset = found.offset;
            }
            return out;
          }),
        ),
      })),
    );
    return res;
  },
});

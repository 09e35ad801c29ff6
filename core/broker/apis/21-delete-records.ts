/**
 * DeleteRecords (key 21): v0–2, flexible from v2
 *
 * Request: topics [name string, partitions [partition_index i32, offset i64]], timeout_ms i32
 * Response: throttle_time_ms i32, topics [name string, partitions [partition_index i32, low_watermark i64, error_code i16]]
 *
 * Behavior:
 * - Moves the partition's log start offset to `offset` (−1 = the high watermark): the records
 *   below it are gone for every reader, and whole segments below it are removed from disk. The
 *   answer is the new low watermark (the log start offset), which never moves back.
 * - offset above the high watermark (or below −1): OFFSET_OUT_OF_RANGE (1); unknown topic or
 *   partition: UNKNOWN_TOPIC_OR_PARTITION (3). Internal topics: TOPIC_AUTHORIZATION_FAILED (29).
 */
import { OffsetOutOfRangeError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const deleteRecordsSchema = api(
  { key: 21, name: 'DeleteRecords', valid: '0-2', flexible: '2+' },
  { topics: arr('v0+', { name: 'string', partitions: arr('v0+', { partitionIndex: 'int32', offset: 'int64' }) }), timeoutMs: 'int32' },
  { throttleTimeMs: 'int32', topics: arr('v0+', { name: 'string', partitions: arr('v0+', { partitionIndex: 'int32', lowWatermark: 'int64', errorCode: 'int16' }) }) },
);

registerApi({
  schema: deleteRecordsSchema,
  async handle(req, _version, ctx) {
    const { engine } = ctx;
    const topics = [];
    for (const t of req.topics) {
      const partitions = [];
      for (const p of t.partitions) {
        const out = { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: 0 };
        if (!engine.hasTopic(t.name) || p.partitionIndex < 0 || p.partitionIndex >= engine.partitionCount(t.name)) out.errorCode = KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (t.name.startsWith('__')) out.errorCode = KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else if (p.offset < -1) out.errorCode = KafkaErrorCode.OFFSET_OUT_OF_RANGE;
        else {
          try {
            out.lowWatermark = await engine.deleteRecords(t.name, p.partitionIndex, p.offset);
          } catch (err) {
            if (!(err instanceof OffsetOutOfRangeError)) throw err;
            out.errorCode = KafkaErrorCode.OFFSET_OUT_OF_RANGE;
          }
        }
        partitions.push(out);
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});

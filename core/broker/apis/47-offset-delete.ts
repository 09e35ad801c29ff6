/**
 * OffsetDelete (key 47): v0 (never flexible)
 *
 * Request: group_id string, topics [name string, partitions [partition_index i32]]
 * Response: error_code i16, throttle_time_ms i32, topics [name string, partitions [partition_index i32, error_code i16]]
 *
 * Behavior:
 * - Deletes the group's committed offsets of those partitions (tombstones in __consumer_offsets).
 *   A partition of a topic the group's live members subscribe to keeps its offset and gets
 *   GROUP_SUBSCRIBED_TO_TOPIC (86); an unknown group: GROUP_ID_NOT_FOUND (69) for the request;
 *   a partition that does not exist: UNKNOWN_TOPIC_OR_PARTITION (3).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const offsetDeleteSchema = api(
  { key: 47, name: 'OffsetDelete', valid: '0', flexible: null },
  { groupId: 'string', topics: arr('v0+', { name: 'string', partitions: arr('v0+', { partitionIndex: 'int32' }) }) },
  { errorCode: 'int16', throttleTimeMs: 'int32', topics: arr('v0+', { name: 'string', partitions: arr('v0+', { partitionIndex: 'int32', errorCode: 'int16' }) }) },
);

registerApi({
  schema: offsetDeleteSchema,
  async handle(req, _version, ctx) {
    const { engine } = ctx;
    const exists = (topic: string, p: number) => engine.hasTopic(topic) && p >= 0 && p < engine.partitionCount(topic);
    const wanted = req.topics.flatMap((t) => t.partitions.filter((p) => exists(t.name, p.partitionIndex)).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const result = await ctx.coordinator.deleteOffsets(req.groupId, wanted);
    if (result.errorCode !== 0) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    const errorOf = new Map(result.partitions.map((p) => [`${p.topic}\0${p.partition}`, p.errorCode]));
    return {
      errorCode: 0,
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: exists(t.name, p.partitionIndex) ? (errorOf.get(`${t.name}\0${p.partitionIndex}`) ?? 0) : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
});

/**
 * OffsetCommit (key 8): v0–9, flexible from v8
 *
 * Request: group_id string, generation_id_or_member_epoch i32 (v1+), member_id string (v1+),
 *          group_instance_id nullable string (v7+), retention_time_ms i64 (v2–4),
 *          topics [name string, partitions [partition_index i32, committed_offset i64,
 *                  committed_leader_epoch i32 (v6+), commit_timestamp i64 (v1), committed_metadata nullable string]]
 * Response: throttle_time_ms i32 (v3+), topics [name string, partitions [partition_index i32, error_code i16]]
 *
 * Behavior:
 * - Offsets go to the compacted __consumer_offsets topic through core/groups (the same store the
 *   EmbeddedClient uses). Accepted from members of the current generation, and with generation −1
 *   and an empty member id from consumers outside group management (manual assign()); v0 carries
 *   no generation and is such a commit.
 * - A static member (group_instance_id) whose member id is not the instance's current one gets
 *   FENCED_INSTANCE_ID (82).
 * - Each partition on its own: metadata over offset.metadata.max.bytes (4096) gets
 *   OFFSET_METADATA_TOO_LARGE (12), a topic or partition that does not exist UNKNOWN_TOPIC_OR_PARTITION (3).
 * - A disk that refuses the write answers NOT_COORDINATOR (16) for those partitions, as Kafka maps a
 *   storage error of its offsets log: every client retries it (after finding the coordinator again).
 *   The connection stays open.
 * - retention_time_ms and commit_timestamp are ignored: offsets of a group without members expire
 *   per the broker's offsets.retention.minutes (7 days), as Kafka 2.1+ does; committed_leader_epoch
 *   is not kept.
 * - v9 is the same as v8 for classic groups (KIP-848 member epochs: SKIPPED.md).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const offsetCommitSchema = api(
  { key: 8, name: 'OffsetCommit', valid: '0-9', flexible: '8+' },
  {
    groupId: 'string',
    generationIdOrMemberEpoch: 'int32 v1+ =-1',
    memberId: 'string v1+',
    groupInstanceId: 'string v7+ null7+ =null',
    retentionTimeMs: 'int64 v2-4 =-1',
    topics: arr('v0+', {
      name: 'string',
      partitions: arr('v0+', {
        partitionIndex: 'int32',
        committedOffset: 'int64',
        committedLeaderEpoch: 'int32 v6+ =-1',
        commitTimestamp: 'int64 v1 =-1',
        committedMetadata: 'string null0+',
      }),
    }),
  },
  {
    throttleTimeMs: 'int32 v3+',
    topics: arr('v0+', { name: 'string', partitions: arr('v0+', { partitionIndex: 'int32', errorCode: 'int16' }) }),
  },
);

registerApi({
  schema: offsetCommitSchema,
  async handle(req, _version, ctx) {
    const offsets = req.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata })));
    const results = await ctx.coordinator.commitOffsets({
      groupId: req.groupId,
      generationId: req.generationIdOrMemberEpoch,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      offsets,
    });
    const wire = (code: number) => (code === KafkaErrorCode.KAFKA_STORAGE_ERROR ? KafkaErrorCode.NOT_COORDINATOR : code);
    const errorOf = new Map(results.map((r) => [`${r.topic}\0${r.partition}`, wire(r.errorCode)]));
    const res = offsetCommitSchema.response.defaults();
    res.topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorOf.get(`${t.name}\0${p.partitionIndex}`) ?? 0 })),
    }));
    return res;
  },
});

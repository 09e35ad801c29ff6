/**
 * OffsetCommit (key 8): v2
 *
 * Request v2: group_id string, generation_id i32, member_id string, retention_time_ms i64,
 *             topics [name string, partitions [partition_index i32, committed_offset i64, committed_metadata nullable string]]
 * Response v2: topics [name string, partitions [partition_index i32, error_code i16]]
 *
 * Behavior:
 * - Offsets go to the compacted __consumer_offsets topic through core/groups (the same store the
 *   EmbeddedClient uses). Accepted from members of the current generation, and with generation −1
 *   and an empty member id from consumers outside group management (manual assign()).
 * - Each partition on its own: metadata over offset.metadata.max.bytes (4096) gets
 *   OFFSET_METADATA_TOO_LARGE (12), a topic or partition that does not exist UNKNOWN_TOPIC_OR_PARTITION (3).
 * - A disk that refuses the write answers NOT_COORDINATOR (16) for those partitions, as Kafka maps a
 *   storage error of its offsets log: every client retries it (after finding the coordinator again).
 *   The connection stays open.
 * - retention_time_ms is ignored: offsets of a group without members expire per the broker's
 *   offsets.retention.minutes (7 days), as Kafka 2.1+ does.
 * - Only v2: the one version every client in scope sends (kafka-python hard-codes it).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 2,
  async handle(req, _version, ctx) {
    const groupId = req.string();
    const generationId = req.int32();
    const memberId = req.string();
    req.int64(); // retention_time_ms
    const topics = req.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), metadata: r.nullableString() })),
    }));
    const offsets = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, ...p })));
    const results = await ctx.coordinator.commitOffsets({ groupId, generationId, memberId, offsets });
    const wire = (code: number) => (code === KafkaErrorCode.KAFKA_STORAGE_ERROR ? KafkaErrorCode.NOT_COORDINATOR : code);
    const errorOf = new Map(results.map((r) => [`${r.topic}\0${r.partition}`, wire(r.errorCode)]));
    return new Writer().array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.partition).int16(errorOf.get(`${t.name}\0${p.partition}`) ?? 0));
    });
  },
});

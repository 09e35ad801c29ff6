/**
 * OffsetFetch (key 9): v1
 *
 * Request v1: group_id string, topics [name string, partition_indexes [i32]]
 * Response v1: topics [name string, partitions [partition_index i32, committed_offset i64, metadata nullable string, error_code i16]]
 *
 * Behavior:
 * - A partition with nothing committed gets offset −1 and no error; the client then asks
 *   ListOffsets according to its reset policy.
 * - Only v1: kafka-python hard-codes it, kafkajs has no v0, and v6+ would be flexible.
 */
import { registerApi } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 1,
  async handle(req, _version, ctx) {
    const groupId = req.string();
    const topics = req.array((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }));
    const committed = await ctx.coordinator.fetchOffsets({
      groupId,
      partitions: topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))),
    });
    const byKey = new Map(committed.map((c) => [`${c.topic}\0${c.partition}`, c]));
    return new Writer().array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        const c = byKey.get(`${t.name}\0${p}`);
        w.int32(p).int64(c?.offset ?? -1).nullableString(c?.metadata ?? '').int16(0);
      });
    });
  },
});

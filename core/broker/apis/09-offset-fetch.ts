/**
 * OffsetFetch (key 9): v0–9, flexible from v6
 *
 * Request v0–7: group_id string, topics nullable [name string, partition_indexes [i32]] (null from v2 = all),
 *               require_stable bool (v7)
 *         v8+: groups [group_id string, member_id nullable string (v9+), member_epoch i32 (v9+),
 *                      topics nullable [name string, partition_indexes [i32]]], require_stable bool
 * Response v0–7: throttle_time_ms i32 (v3+),
 *                topics [name string, partitions [partition_index i32, committed_offset i64,
 *                        committed_leader_epoch i32 (v5+), metadata nullable string, error_code i16]],
 *                error_code i16 (v2+)
 *          v8+: throttle_time_ms i32, groups [group_id string, topics [...same...], error_code i16]
 *
 * Behavior:
 * - A partition with nothing committed gets offset −1 and no error; the client then asks
 *   ListOffsets according to its reset policy.
 * - A null topic list (v2+) means every partition the group has committed (kafkajs's
 *   admin.fetchOffsets({ groupId }) relies on it); v8+ asks for several groups at once.
 * - require_stable: there are no pending transactional offsets, so every answer is stable.
 * - v9's member id / epoch are for KIP-848 groups (SKIPPED.md) and are not checked.
 */
import type { CommittedOffset } from '../../groups/types.js';
import { registerApi, type BrokerContext } from '../api.js';
import { api, arr, type ResponseOf } from '../schema.js';

const partitionFields = {
  partitionIndex: 'int32',
  committedOffset: 'int64',
  committedLeaderEpoch: 'int32 v5+ =-1',
  metadata: 'string null0+',
  errorCode: 'int16',
} as const;

export const offsetFetchSchema = api(
  { key: 9, name: 'OffsetFetch', valid: '0-9', flexible: '6+' },
  {
    groupId: 'string v0-7',
    topics: arr('v0-7 null2-7', { name: 'string', partitionIndexes: '[]int32' }),
    groups: arr('v8+', {
      groupId: 'string',
      memberId: 'string v9+ null9+ =null',
      memberEpoch: 'int32 v9+ =-1',
      topics: arr('v8+ null8+', { name: 'string', partitionIndexes: '[]int32' }),
    }),
    requireStable: 'bool v7+ =false',
  },
  {
    throttleTimeMs: 'int32 v3+',
    topics: arr('v0-7', { name: 'string', partitions: arr('v0+', partitionFields) }),
    errorCode: 'int16 v2-7 =0',
    groups: arr('v8+', { groupId: 'string', topics: arr('v8+', { name: 'string', partitions: arr('v8+', partitionFields) }), errorCode: 'int16 =0' }),
  },
);

type TopicResult = ResponseOf<typeof offsetFetchSchema>['topics'][number];

/** One group's committed offsets, by topic, for the partitions asked (null: all it has). */
async function fetchGroup(ctx: BrokerContext, groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null): Promise<TopicResult[]> {
  const partitions = topics?.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
  const committed = await ctx.coordinator.fetchOffsets({ groupId, partitions });
  const byTopic = new Map<string, TopicResult>();
  const add = (topic: string, p: number, c: CommittedOffset | undefined) => {
    let t = byTopic.get(topic);
    if (!t) byTopic.set(topic, (t = { name: topic, partitions: [] }));
    t.partitions.push({ partitionIndex: p, committedOffset: c?.offset ?? -1, committedLeaderEpoch: -1, metadata: c?.metadata ?? '', errorCode: 0 });
  };
  if (topics === null) {
    for (const c of committed.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) add(c.topic, c.partition, c);
    return [...byTopic.values()];
  }
  const found = new Map(committed.map((c) => [`${c.topic}\0${c.partition}`, c]));
  for (const t of topics) {
    if (!byTopic.has(t.name)) byTopic.set(t.name, { name: t.name, partitions: [] });
    for (const p of t.partitionIndexes) add(t.name, p, found.get(`${t.name}\0${p}`));
  }
  return [...byTopic.values()];
}

registerApi({
  schema: offsetFetchSchema,
  async handle(req, version, ctx) {
    const res = offsetFetchSchema.response.defaults();
    if (version >= 8) {
      res.groups = await Promise.all(req.groups.map(async (g) => ({ groupId: g.groupId, topics: await fetchGroup(ctx, g.groupId, g.topics), errorCode: 0 })));
    } else {
      res.topics = await fetchGroup(ctx, req.groupId, version >= 2 ? req.topics : (req.topics ?? []));
    }
    return res;
  },
});

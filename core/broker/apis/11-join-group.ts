/**
 * JoinGroup (key 11): v0–9, flexible from v6
 *
 * Request: group_id string, session_timeout_ms i32, rebalance_timeout_ms i32 (v1+), member_id string,
 *          group_instance_id nullable string (v5+), protocol_type string,
 *          protocols [name string, metadata bytes], reason nullable string (v8+)
 * Response: throttle_time_ms i32 (v2+), error_code i16, generation_id i32,
 *           protocol_type nullable string (v7+), protocol_name string (nullable v7+), leader string,
 *           skip_assignment bool (v9+), member_id string,
 *           members [member_id string, group_instance_id nullable string (v5+), metadata bytes]
 *
 * Behavior:
 * - The group lives in core/groups, shared with the EmbeddedClient: kafkajs, librdkafka, kafka-python
 *   and in-process consumers of one group are members of the same group and see the same commits.
 * - The response is held until the join phase completes (every known member rejoined, or the
 *   largest rebalance timeout passed); requests behind it on this connection wait, others do not.
 * - v0 has no rebalance timeout: the session timeout stands in for it, as in Kafka.
 * - The protocol chosen is one every member supports; only the leader gets the member list, each
 *   with its metadata for that protocol. None in common: INCONSISTENT_GROUP_PROTOCOL (23).
 * - v4+ (KIP-394): a new member without group_instance_id first gets MEMBER_ID_REQUIRED (79) with
 *   its member id, and joins again with it.
 * - v5+ static membership (KIP-345): a member with group_instance_id that restarts takes over its
 *   old place under a new member id; in a stable group whose protocols it still matches there is
 *   no rebalance (a static leader gets the members with skip_assignment, v9). A request from the
 *   instance's old member id gets FENCED_INSTANCE_ID (82).
 * - If the connection closes while the join is pending, the member is removed at once.
 */
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const joinGroupSchema = api(
  { key: 11, name: 'JoinGroup', valid: '0-9', flexible: '6+' },
  {
    groupId: 'string',
    sessionTimeoutMs: 'int32',
    rebalanceTimeoutMs: 'int32 v1+ =-1',
    memberId: 'string',
    groupInstanceId: 'string v5+ null5+ =null',
    protocolType: 'string',
    protocols: arr('v0+', { name: 'string', metadata: 'bytes' }),
    reason: 'string v8+ null8+ =null',
  },
  {
    throttleTimeMs: 'int32 v2+',
    errorCode: 'int16',
    generationId: 'int32 =-1',
    protocolType: 'string v7+ null7+ =null',
    protocolName: 'string null7+',
    leader: 'string',
    skipAssignment: 'bool v9+ =false',
    memberId: 'string',
    members: arr('v0+', { memberId: 'string', groupInstanceId: 'string v5+ null5+ =null', metadata: 'bytes' }),
  },
);

registerApi({
  schema: joinGroupSchema,
  async handle(req, version, ctx, conn) {
    const result = await ctx.coordinator.joinGroup(
      {
        groupId: req.groupId,
        memberId: req.memberId,
        clientId: conn.clientId,
        clientHost: `/${conn.clientHost}`,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
        groupInstanceId: req.groupInstanceId,
        requireKnownMemberId: version >= 4,
      },
      conn.signal,
    );
    const res = joinGroupSchema.response.defaults();
    Object.assign(res, {
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.errorCode === 0 ? req.protocolType : null,
      protocolName: version >= 7 && result.errorCode !== 0 ? null : result.protocolName,
      leader: result.leaderId,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members,
    });
    return res;
  },
});

/**
 * SyncGroup (key 14): v0–1
 *
 * Request v0–v1: group_id string, generation_id i32, member_id string,
 *                assignments [member_id string, assignment bytes]   (the leader's only)
 * Response v0: error_code i16, assignment bytes
 *          v1: throttle_time_ms i32 first
 *
 * Behavior:
 * - Followers wait for the leader's SyncGroup. During a new rebalance: REBALANCE_IN_PROGRESS (27);
 *   wrong generation: ILLEGAL_GENERATION (22); unknown member: UNKNOWN_MEMBER_ID (25).
 * - A member of a "consumer" group that the leader gave nothing gets an encoded empty
 *   ConsumerProtocolAssignment instead of zero bytes: kafka-python cannot decode b''.
 */
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

/** version 0, no topics, null user data */
const EMPTY_CONSUMER_ASSIGNMENT = Buffer.from([0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);

registerApi({
  key: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 1,
  async handle(req, version, ctx) {
    const groupId = req.string();
    const generationId = req.int32();
    const memberId = req.string();
    const assignments = req.array((r) => ({ memberId: r.string(), assignment: r.bytes() }));
    const res = await ctx.coordinator.syncGroup({ groupId, generationId, memberId, assignments });
    let assignment = res.assignment;
    if (res.errorCode === 0 && assignment.length === 0) {
      const group = await ctx.coordinator.describeGroup(groupId);
      if (group.protocolType === 'consumer') assignment = EMPTY_CONSUMER_ASSIGNMENT;
    }
    return throttleIf(new Writer(), version >= 1).int16(res.errorCode).bytes(assignment);
  },
});

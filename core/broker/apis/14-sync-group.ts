/**
 * SyncGroup (key 14): v0–5, flexible from v4
 *
 * Request: group_id string, generation_id i32, member_id string, group_instance_id nullable string (v3+),
 *          protocol_type nullable string (v5+), protocol_name nullable string (v5+),
 *          assignments [member_id string, assignment bytes]   (the leader's only)
 * Response: throttle_time_ms i32 (v1+), error_code i16, protocol_type nullable string (v5+),
 *           protocol_name nullable string (v5+), assignment bytes
 *
 * Behavior:
 * - Followers wait for the leader's SyncGroup. During a new rebalance: REBALANCE_IN_PROGRESS (27);
 *   wrong generation: ILLEGAL_GENERATION (22); unknown member: UNKNOWN_MEMBER_ID (25); a fenced
 *   static member: FENCED_INSTANCE_ID (82).
 * - v5+ (KIP-559): a protocol type or name that is not the group's gets INCONSISTENT_GROUP_PROTOCOL (23).
 * - A member of a "consumer" group that the leader gave nothing gets an encoded empty
 *   ConsumerProtocolAssignment instead of zero bytes: kafka-python cannot decode b''.
 */
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const syncGroupSchema = api(
  { key: 14, name: 'SyncGroup', valid: '0-5', flexible: '4+' },
  {
    groupId: 'string',
    generationId: 'int32',
    memberId: 'string',
    groupInstanceId: 'string v3+ null3+ =null',
    protocolType: 'string v5+ null5+ =null',
    protocolName: 'string v5+ null5+ =null',
    assignments: arr('v0+', { memberId: 'string', assignment: 'bytes' }),
  },
  {
    throttleTimeMs: 'int32 v1+',
    errorCode: 'int16',
    protocolType: 'string v5+ null5+ =null',
    protocolName: 'string v5+ null5+ =null',
    assignment: 'bytes',
  },
);

/** version 0, no topics, null user data */
const EMPTY_CONSUMER_ASSIGNMENT = Buffer.from([0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);

registerApi({
  schema: syncGroupSchema,
  async handle(req, _version, ctx) {
    const result = await ctx.coordinator.syncGroup(req);
    let assignment = result.assignment;
    if (result.errorCode === 0 && assignment.length === 0 && result.protocolType === 'consumer') assignment = EMPTY_CONSUMER_ASSIGNMENT;
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: result.errorCode === 0 ? result.protocolType : null,
      protocolName: result.errorCode === 0 ? result.protocolName : null,
      assignment,
    };
  },
});

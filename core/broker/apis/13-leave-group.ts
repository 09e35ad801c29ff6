/**
 * LeaveGroup (key 13): v0–5, flexible from v4
 *
 * Request v0–2: group_id string, member_id string
 *         v3+: group_id string, members [member_id string, group_instance_id nullable string, reason nullable string (v5+)]
 * Response: throttle_time_ms i32 (v1+), error_code i16,
 *           members [member_id string, group_instance_id nullable string, error_code i16] (v3+)
 *
 * Behavior:
 * - Removes the members at once and starts a rebalance of the others (they learn of it through
 *   their next Heartbeat). Unknown member: UNKNOWN_MEMBER_ID (25), per member from v3.
 * - v3+: a static member may leave by group_instance_id alone (member_id ""); a member id that is
 *   not the instance's current one gets FENCED_INSTANCE_ID (82).
 */
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const leaveGroupSchema = api(
  { key: 13, name: 'LeaveGroup', valid: '0-5', flexible: '4+' },
  {
    groupId: 'string',
    memberId: 'string v0-2',
    members: arr('v3+', { memberId: 'string', groupInstanceId: 'string null3+ =null', reason: 'string v5+ null5+ =null' }),
  },
  {
    throttleTimeMs: 'int32 v1+',
    errorCode: 'int16',
    members: arr('v3+', { memberId: 'string', groupInstanceId: 'string null3+', errorCode: 'int16' }),
  },
);

registerApi({
  schema: leaveGroupSchema,
  async handle(req, version, ctx) {
    const res = leaveGroupSchema.response.defaults();
    if (version < 3) {
      res.errorCode = await ctx.coordinator.leaveGroup({ groupId: req.groupId, memberId: req.memberId });
      return res;
    }
    for (const m of req.members) {
      const errorCode = await ctx.coordinator.leaveGroup({ groupId: req.groupId, memberId: m.memberId, groupInstanceId: m.groupInstanceId });
      res.members.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    }
    return res;
  },
});

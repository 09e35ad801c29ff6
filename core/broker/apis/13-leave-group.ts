/**
 * LeaveGroup (key 13): v0–1
 *
 * Request v0–v1: group_id string, member_id string
 * Response v0: error_code i16
 *          v1: throttle_time_ms i32 first
 *
 * Behavior:
 * - Removes the member at once and starts a rebalance of the others (they learn of it through
 *   their next Heartbeat). Unknown member: UNKNOWN_MEMBER_ID (25).
 */
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 1,
  async handle(req, version, ctx) {
    const groupId = req.string();
    const memberId = req.string();
    const error = await ctx.coordinator.leaveGroup({ groupId, memberId });
    return throttleIf(new Writer(), version >= 1).int16(error);
  },
});

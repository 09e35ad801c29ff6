/**
 * Heartbeat (key 12): v0–1
 *
 * Request v0–v1: group_id string, generation_id i32, member_id string
 * Response v0: error_code i16
 *          v1: throttle_time_ms i32 first
 *
 * Behavior:
 * - Keeps the member's session alive. REBALANCE_IN_PROGRESS (27) tells a member to rejoin;
 *   ILLEGAL_GENERATION (22) and UNKNOWN_MEMBER_ID (25) as in Kafka.
 */
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 1,
  async handle(req, version, ctx) {
    const groupId = req.string();
    const generationId = req.int32();
    const memberId = req.string();
    const error = await ctx.coordinator.heartbeat({ groupId, generationId, memberId });
    return throttleIf(new Writer(), version >= 1).int16(error);
  },
});

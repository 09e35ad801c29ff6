/**
 * Heartbeat (key 12): v0–4, flexible from v4
 *
 * Request: group_id string, generation_id i32, member_id string, group_instance_id nullable string (v3+)
 * Response: throttle_time_ms i32 (v1+), error_code i16
 *
 * Behavior:
 * - Keeps the member's session alive. REBALANCE_IN_PROGRESS (27) tells a member to rejoin;
 *   ILLEGAL_GENERATION (22), UNKNOWN_MEMBER_ID (25) and, for a fenced static member,
 *   FENCED_INSTANCE_ID (82), as in Kafka.
 */
import { registerApi } from '../api.js';
import { api } from '../schema.js';

export const heartbeatSchema = api(
  { key: 12, name: 'Heartbeat', valid: '0-4', flexible: '4+' },
  { groupId: 'string', generationId: 'int32', memberId: 'string', groupInstanceId: 'string v3+ null3+ =null' },
  { throttleTimeMs: 'int32 v1+', errorCode: 'int16' },
);

registerApi({
  schema: heartbeatSchema,
  async handle(req, _version, ctx) {
    const errorCode = await ctx.coordinator.heartbeat(req);
    return { throttleTimeMs: 0, errorCode };
  },
});

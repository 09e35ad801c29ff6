/**
 * ListGroups (key 16): v0–2
 *
 * Request v0–v2: (empty)
 * Response v0: error_code i16, groups [group_id string, protocol_type string]
 *          v1–v2: throttle_time_ms i32 first
 *
 * Behavior:
 * - Every group the coordinator knows, including groups with only committed offsets.
 */
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  async handle(_req, version, ctx) {
    const groups = await ctx.coordinator.listGroups();
    return throttleIf(new Writer(), version >= 1)
      .int16(0)
      .array(groups, (w, g) => w.string(g.groupId).string(g.protocolType));
  },
});

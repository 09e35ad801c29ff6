/**
 * ListGroups (key 16): v0–5, flexible from v3
 *
 * Request: states_filter [string] (v4+), types_filter [string] (v5+)
 * Response: throttle_time_ms i32 (v1+), error_code i16,
 *           groups [group_id string, protocol_type string, group_state string (v4+), group_type string (v5+)]
 *
 * Behavior:
 * - Every group the coordinator knows, including groups with only committed offsets (state Empty).
 * - Filters are case-insensitive, as in Kafka; an empty filter keeps everything. Every group here
 *   is of type "classic" (KIP-848 consumer groups: SKIPPED.md).
 */
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const listGroupsSchema = api(
  { key: 16, name: 'ListGroups', valid: '0-5', flexible: '3+' },
  { statesFilter: '[]string v4+', typesFilter: '[]string v5+' },
  {
    throttleTimeMs: 'int32 v1+',
    errorCode: 'int16',
    groups: arr('v0+', { groupId: 'string', protocolType: 'string', groupState: 'string v4+', groupType: 'string v5+' }),
  },
);

registerApi({
  schema: listGroupsSchema,
  async handle(req, _version, ctx) {
    const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(req.typesFilter.map((s) => s.toLowerCase()));
    const groups = (await ctx.coordinator.listGroups())
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter(() => types.size === 0 || types.has('classic'))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: 'classic' }));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});

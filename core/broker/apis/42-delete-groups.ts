/**
 * DeleteGroups (key 42): v0–2, flexible from v2
 *
 * Request: groups_names [string]
 * Response: throttle_time_ms i32, results [group_id string, error_code i16]
 *
 * Behavior:
 * - Deletes a group that has no members, with all its committed offsets (tombstones in
 *   __consumer_offsets, so the deletion survives restarts). A group with members:
 *   NON_EMPTY_GROUP (68); an unknown group: GROUP_ID_NOT_FOUND (69); an empty id: INVALID_GROUP_ID (24).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const deleteGroupsSchema = api(
  { key: 42, name: 'DeleteGroups', valid: '0-2', flexible: '2+' },
  { groupsNames: '[]string' },
  { throttleTimeMs: 'int32', results: arr('v0+', { groupId: 'string', errorCode: 'int16' }) },
);

registerApi({
  schema: deleteGroupsSchema,
  async handle(req, _version, ctx) {
    const results = [];
    for (const groupId of req.groupsNames) {
      results.push({ groupId, errorCode: groupId === '' ? KafkaErrorCode.INVALID_GROUP_ID : await ctx.coordinator.deleteGroup(groupId) });
    }
    return { throttleTimeMs: 0, results };
  },
});

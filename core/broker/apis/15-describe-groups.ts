/**
 * DescribeGroups (key 15): v0–5, flexible from v5
 *
 * Request: groups [string], include_authorized_operations bool (v3+)
 * Response: throttle_time_ms i32 (v1+),
 *           groups [error_code i16, group_id string, group_state string, protocol_type string, protocol_data string,
 *                   members [member_id string, group_instance_id nullable string (v4+), client_id string,
 *                            client_host string, member_metadata bytes, member_assignment bytes],
 *                   authorized_operations i32 (v3+)]
 *
 * Behavior:
 * - States are Kafka's: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead (unknown group).
 * - Members of every client kind appear, in-process EmbeddedClient consumers included.
 * - Authorized operations, when asked: every group operation (no ACLs).
 */
import { registerApi } from '../api.js';
import { GROUP_OPERATIONS, NOT_ASKED } from '../acl-operations.js';
import { api, arr } from '../schema.js';

export const describeGroupsSchema = api(
  { key: 15, name: 'DescribeGroups', valid: '0-5', flexible: '5+' },
  { groups: '[]string', includeAuthorizedOperations: 'bool v3+' },
  {
    throttleTimeMs: 'int32 v1+',
    groups: arr('v0+', {
      errorCode: 'int16',
      groupId: 'string',
      groupState: 'string',
      protocolType: 'string',
      protocolData: 'string',
      members: arr('v0+', {
        memberId: 'string',
        groupInstanceId: 'string v4+ null4+ =null',
        clientId: 'string',
        clientHost: 'string',
        memberMetadata: 'bytes',
        memberAssignment: 'bytes',
      }),
      authorizedOperations: 'int32 v3+ =-2147483648',
    }),
  },
);

registerApi({
  schema: describeGroupsSchema,
  async handle(req, _version, ctx) {
    const groups = await Promise.all(req.groups.map((id) => ctx.coordinator.describeGroup(id)));
    return {
      throttleTimeMs: 0,
      groups: groups.map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: g.protocol,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: req.includeAuthorizedOperations ? GROUP_OPERATIONS : NOT_ASKED,
      })),
    };
  },
});

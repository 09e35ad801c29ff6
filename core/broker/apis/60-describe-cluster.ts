/**
 * DescribeCluster (key 60): v0–1, flexible from v0
 *
 * Request: include_cluster_authorized_operations bool, endpoint_type i8 (v1+: 1 brokers, 2 controllers)
 * Response: throttle_time_ms i32, error_code i16, error_message nullable string, endpoint_type i8 (v1+),
 *           cluster_id string, controller_id i32, brokers [broker_id i32, host string, port i32, rack nullable string],
 *           cluster_authorized_operations i32
 *
 * Behavior:
 * - One node: it is the only broker and the controller. endpoint_type 2 (controllers) lists it too,
 *   as a combined KRaft node would answer its controller listener; another type: UNSUPPORTED_ENDPOINT_TYPE (119).
 * - Authorized operations, when asked: every cluster operation (no ACLs); otherwise −2147483648.
 */
import { registerApi } from '../api.js';
import { CLUSTER_OPERATIONS, NOT_ASKED } from '../acl-operations.js';
import { api, arr } from '../schema.js';

export const describeClusterSchema = api(
  { key: 60, name: 'DescribeCluster', valid: '0-1', flexible: '0+' },
  { includeClusterAuthorizedOperations: 'bool', endpointType: 'int8 v1+ =1' },
  {
    throttleTimeMs: 'int32',
    errorCode: 'int16',
    errorMessage: 'string null0+ =null',
    endpointType: 'int8 v1+ =1',
    clusterId: 'string',
    controllerId: 'int32 =-1',
    brokers: arr('v0+', { brokerId: 'int32', host: 'string', port: 'int32', rack: 'string null0+ =null' }),
    clusterAuthorizedOperations: 'int32 =-2147483648',
  },
);

const UNSUPPORTED_ENDPOINT_TYPE = 119;

registerApi({
  schema: describeClusterSchema,
  async handle(req, _version, ctx) {
    const { nodeId, advertisedHost, advertisedPort, clusterId } = ctx.settings;
    const res = describeClusterSchema.response.defaults();
    res.endpointType = req.endpointType;
    if (req.endpointType !== 1 && req.endpointType !== 2) {
      return { ...res, errorCode: UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `endpoint type ${req.endpointType} is not supported` };
    }
    return {
      ...res,
      clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host: advertisedHost, port: advertisedPort, rack: null }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NOT_ASKED,
    };
  },
});

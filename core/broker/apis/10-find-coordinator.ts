/**
 * FindCoordinator (key 10): v0–6, flexible from v3
 *
 * Request: key string (v0–3), key_type i8 (v1+: 0 group, 1 transaction, 2 share), coordinator_keys [string] (v4+)
 * Response v0–3: throttle_time_ms i32 (v1+), error_code i16, error_message nullable string (v1+),
 *                node_id i32, host string, port i32
 *          v4+: throttle_time_ms i32, coordinators [key string, node_id i32, host string, port i32,
 *                                                   error_code i16, error_message nullable string]
 *
 * Behavior:
 * - This broker coordinates every group. Transaction and share-group coordinators do not exist
 *   here (no transactions, no share groups: SKIPPED.md): COORDINATOR_NOT_AVAILABLE (15).
 * - v0 must stay advertised: librdkafka only looks for a group coordinator on brokers that
 *   support FindCoordinator v0.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const findCoordinatorSchema = api(
  { key: 10, name: 'FindCoordinator', valid: '0-6', flexible: '3+' },
  {
    key: 'string v0-3',
    keyType: 'int8 v1+ =0',
    coordinatorKeys: '[]string v4+',
  },
  {
    throttleTimeMs: 'int32 v1+',
    errorCode: 'int16 v0-3',
    errorMessage: 'string v1-3 null1-3',
    nodeId: 'int32 v0-3',
    host: 'string v0-3',
    port: 'int32 v0-3',
    coordinators: arr('v4+', { key: 'string', nodeId: 'int32', host: 'string', port: 'int32', errorCode: 'int16', errorMessage: 'string null4+' }),
  },
);

const GROUP = 0;

registerApi({
  schema: findCoordinatorSchema,
  async handle(req, version, ctx) {
    const { nodeId, advertisedHost, advertisedPort } = ctx.settings;
    const find = (key: string) =>
      req.keyType === GROUP
        ? { key, nodeId, host: advertisedHost, port: advertisedPort, errorCode: 0, errorMessage: null }
        : { key, nodeId: -1, host: '', port: -1, errorCode: KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: `no coordinator of key type ${req.keyType}: Sluice has no transactions or share groups` };
    const res = findCoordinatorSchema.response.defaults();
    if (version >= 4) res.coordinators = req.coordinatorKeys.map(find);
    else {
      const c = find(req.key);
      Object.assign(res, { errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port });
    }
    return res;
  },
});

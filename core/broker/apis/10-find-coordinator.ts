/**
 * FindCoordinator (key 10): v0–2
 *
 * Request v0: key string (the group id)
 *         v1–v2: key string, key_type i8 (0 = group, 1 = transaction)
 * Response v0: error_code i16, node_id i32, host string, port i32
 *          v1–v2: throttle_time_ms i32, error_code i16, error_message nullable string, node_id i32, host string, port i32
 *
 * Behavior:
 * - This broker coordinates every group. key_type 1 (transactions) gets COORDINATOR_NOT_AVAILABLE
 *   (15): transactions are not implemented. v0 must stay advertised: librdkafka only looks for a
 *   group coordinator on brokers that support FindCoordinator v0.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  async handle(req, version, ctx) {
    req.string();
    const keyType = version >= 1 ? req.int8() : 0;
    const { nodeId, advertisedHost, advertisedPort } = ctx.settings;
    const error = keyType === 0 ? 0 : KafkaErrorCode.COORDINATOR_NOT_AVAILABLE;
    const w = new Writer();
    if (version >= 1) w.int32(0);
    w.int16(error);
    if (version >= 1) w.nullableString(error ? 'transaction coordinator not available: Sluice has no transactions' : null);
    return w.int32(error ? -1 : nodeId).string(error ? '' : advertisedHost).int32(error ? -1 : advertisedPort);
  },
});

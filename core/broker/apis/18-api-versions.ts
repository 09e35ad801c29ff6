/**
 * ApiVersions (key 18): v0–4, flexible from v3
 *
 * Request v0–v2: (empty)
 *         v3+: client_software_name compact string, client_software_version compact string
 * Response v0: error_code i16, api_keys [api_key i16, min_version i16, max_version i16]
 *          v1+: ... , throttle_time_ms i32
 *          v3+: tagged supported_features (0), finalized_features_epoch (1), finalized_features (2),
 *               zk_migration_ready (3)
 *
 * Behavior:
 * - The table comes from the handler registry, so it lists exactly the keys and versions the
 *   broker decodes.
 * - The response always uses response header v0, even in flexible versions (so a client can read
 *   it before it knows which header versions the broker speaks).
 * - A version above 4 is answered by the connection with error 35 and a v0 body carrying this
 *   key's range; the client then retries with a version it has in common.
 * - v3+: a client software name or version that is not `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`
 *   gets INVALID_REQUEST (42), as Kafka validates them (KIP-511).
 * - No features are finalized (no KRaft feature levels): the tagged fields stay at their defaults.
 * - Allowed before SASL authentication.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registeredApis, registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const apiVersionsSchema = api(
  { key: 18, name: 'ApiVersions', valid: '0-4', flexible: '3+' },
  {
    clientSoftwareName: 'string v3+',
    clientSoftwareVersion: 'string v3+',
  },
  {
    errorCode: 'int16',
    apiKeys: arr('v0+', { apiKey: 'int16', minVersion: 'int16', maxVersion: 'int16' }),
    throttleTimeMs: 'int32 v1+',
    supportedFeatures: arr('v3+ tag0', { name: 'string', minVersion: 'int16', maxVersion: 'int16' }),
    finalizedFeaturesEpoch: 'int64 v3+ tag1 =-1',
    finalizedFeatures: arr('v3+ tag2', { name: 'string', maxVersionLevel: 'int16', minVersionLevel: 'int16' }),
    zkMigrationReady: 'bool v3+ tag3 =false',
  },
);

const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

registerApi({
  schema: apiVersionsSchema,
  beforeAuth: true,
  async handle(req, version) {
    const res = apiVersionsSchema.response.defaults();
    res.apiKeys = registeredApis().map((h) => ({ apiKey: h.schema.key, minVersion: h.schema.minVersion, maxVersion: h.schema.maxVersion }));
    if (version >= 3 && (!SOFTWARE.test(req.clientSoftwareName) || !SOFTWARE.test(req.clientSoftwareVersion))) {
      res.errorCode = KafkaErrorCode.INVALID_REQUEST;
      res.apiKeys = [];
    }
    return res;
  },
});

/**
 * ApiVersions (key 18): v0–2
 *
 * Request v0–v2: (empty)
 * Response v0: error_code i16, api_keys [api_key i16, min_version i16, max_version i16]
 *          v1+: ... , throttle_time_ms i32
 *
 * Behavior:
 * - The table comes from the handler registry, so it lists exactly what the broker handles.
 * - A version above 2 (librdkafka always tries v3 first) is answered by the connection with
 *   error 35 and a v0 body carrying this key's range; the client then retries with v0.
 * - Allowed before SASL authentication.
 */
import { registeredApis, registerApi } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 2,
  beforeAuth: true,
  async handle(_req, version) {
    const w = new Writer().int16(0);
    w.array(registeredApis(), (w, h) => w.int16(h.key).int16(h.minVersion).int16(h.maxVersion));
    if (version >= 1) w.int32(0);
    return w;
  },
});

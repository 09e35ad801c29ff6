/**
 * AlterConfigs (key 33): v0–2, flexible from v2
 *
 * Request: resources [resource_type i8, resource_name string, configs [name string, value nullable string]],
 *          validate_only bool
 * Response: throttle_time_ms i32, responses [error_code i16, error_message nullable string, resource_type i8, resource_name string]
 *
 * Behavior:
 * - Topics (type 2): the given configs replace all of the topic's own configs (the ones not given
 *   return to their defaults), as Kafka's (deprecated) AlterConfigs does; they apply at once to
 *   every partition (retention, segment rolling, compaction, limits). Every Kafka topic config is
 *   accepted; an unknown name or bad value: INVALID_CONFIG (40) naming it. Unknown topic:
 *   UNKNOWN_TOPIC_OR_PARTITION (3).
 * - validate_only checks and changes nothing.
 * - Broker configs are fixed at start (`sluice broker` options): INVALID_REQUEST (42). Other
 *   resource types: INVALID_REQUEST.
 */
import { registerApi } from '../api.js';
import { alterTopicConfigs } from '../alter-configs.js';
import { api, arr } from '../schema.js';

export const alterConfigsSchema = api(
  { key: 33, name: 'AlterConfigs', valid: '0-2', flexible: '2+' },
  {
    resources: arr('v0+', { resourceType: 'int8', resourceName: 'string', configs: arr('v0+', { name: 'string', value: 'string null0+' }) }),
    validateOnly: 'bool',
  },
  { throttleTimeMs: 'int32', responses: arr('v0+', { errorCode: 'int16', errorMessage: 'string null0+', resourceType: 'int8', resourceName: 'string' }) },
);

registerApi({
  schema: alterConfigsSchema,
  async handle(req, _version, ctx) {
    const responses = [];
    for (const r of req.resources) {
      const result = await alterTopicConfigs(ctx, r.resourceType, r.resourceName, req.validateOnly, () => {
        const next: Record<string, string> = {};
        for (const c of r.configs) if (c.value !== null) next[c.name] = c.value;
        return next;
      });
      responses.push({ ...result, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});

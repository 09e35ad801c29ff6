/**
 * DescribeConfigs (key 32): v0–4, flexible from v4
 *
 * Request: resources [resource_type i8, resource_name string, configuration_keys nullable [string]],
 *          include_synonyms bool (v1+), include_documentation bool (v3+)
 * Response: throttle_time_ms i32,
 *           results [error_code i16, error_message nullable string, resource_type i8, resource_name string,
 *                    configs [name string, value nullable string, read_only bool, is_default bool (v0),
 *                             config_source i8 (v1+), is_sensitive bool,
 *                             synonyms [name string, value nullable string, source i8] (v1+),
 *                             config_type i8 (v3+), documentation nullable string (v3+)]]
 *
 * Behavior:
 * - Topics (type 2): every topic config Kafka 3.9 has, with its effective value; a value set on the
 *   topic has source DYNAMIC_TOPIC_CONFIG (1), the others DEFAULT_CONFIG (5). Synonyms (when asked)
 *   list the topic's own value and the broker default it overrides. Configs Sluice stores without
 *   acting on say so in their documentation (../configs.ts). configuration_keys filters.
 * - Broker (type 4, name = this node's id or ""): the broker's configs (num.partitions,
 *   default.replication.factor, listeners, the log.* defaults…), read-only.
 * - Unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3); another broker id or resource type: INVALID_REQUEST (42).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { describeBrokerConfigs, describeTopicConfigs, RESOURCE_BROKER, RESOURCE_TOPIC, type ConfigEntry } from '../configs.js';
import { api, arr } from '../schema.js';

export const describeConfigsSchema = api(
  { key: 32, name: 'DescribeConfigs', valid: '0-4', flexible: '4+' },
  {
    resources: arr('v0+', { resourceType: 'int8', resourceName: 'string', configurationKeys: '[]string null0+' }),
    includeSynonyms: 'bool v1+ =false',
    includeDocumentation: 'bool v3+ =false',
  },
  {
    throttleTimeMs: 'int32',
    results: arr('v0+', {
      errorCode: 'int16',
      errorMessage: 'string null0+',
      resourceType: 'int8',
      resourceName: 'string',
      configs: arr('v0+', {
        name: 'string',
        value: 'string null0+',
        readOnly: 'bool',
        isDefault: 'bool v0',
        configSource: 'int8 v1+ =-1',
        isSensitive: 'bool',
        synonyms: arr('v1+', { name: 'string', value: 'string null0+', source: 'int8' }),
        configType: 'int8 v3+ =0',
        documentation: 'string v3+ null0+',
      }),
    }),
  },
);

registerApi({
  schema: describeConfigsSchema,
  async handle(req, version, ctx) {
    const { engine, settings } = ctx;
    const results = req.resources.map((r) => {
      const out = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] as ConfigEntry[] };
      if (r.resourceType === RESOURCE_TOPIC) {
        if (!engine.hasTopic(r.resourceName)) return { ...out, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic "${r.resourceName}" does not exist` };
        out.configs = describeTopicConfigs(engine, r.resourceName, r.configurationKeys, version >= 1 && req.includeSynonyms);
      } else if (r.resourceType === RESOURCE_BROKER) {
        if (r.resourceName !== '' && r.resourceName !== String(settings.nodeId)) {
          return { ...out, errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: `unexpected broker id ${r.resourceName}: this is broker ${settings.nodeId}` };
        }
        out.configs = describeBrokerConfigs(settings, r.configurationKeys);
      } else {
        return { ...out, errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported: only topics (2) and brokers (4) have configs here` };
      }
      if (!(version >= 1 && req.includeSynonyms)) for (const c of out.configs) c.synonyms = [];
      if (!req.includeDocumentation) for (const c of out.configs) c.documentation = null;
      return out;
    });
    return { throttleTimeMs: 0, results };
  },
});

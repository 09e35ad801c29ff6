/**
 * IncrementalAlterConfigs (key 44): v0–1, flexible from v1
 *
 * Request: resources [resource_type i8, resource_name string,
 *                     configs [name string, config_operation i8, value nullable string]], validate_only bool
 * Response: throttle_time_ms i32, responses [error_code i16, error_message nullable string, resource_type i8, resource_name string]
 *
 * Behavior:
 * - Topics (type 2), KIP-339 operations on the topic's own configs: SET (0) sets a value, DELETE (1)
 *   returns a config to its default, APPEND (2) / SUBTRACT (3) add or remove items of a list config
 *   (cleanup.policy and the throttled-replica lists; others: INVALID_CONFIG). Configs not named are
 *   kept. They apply at once to every partition. Every Kafka topic config is accepted; an unknown
 *   name, bad value or bad operation: INVALID_CONFIG (40); a config named twice: INVALID_REQUEST (42).
 * - validate_only checks and changes nothing. Broker configs are fixed at start: INVALID_REQUEST.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { AlterError, alterTopicConfigs } from '../alter-configs.js';
import { api, arr } from '../schema.js';

export const incrementalAlterConfigsSchema = api(
  { key: 44, name: 'IncrementalAlterConfigs', valid: '0-1', flexible: '1+' },
  {
    resources: arr('v0+', {
      resourceType: 'int8',
      resourceName: 'string',
      configs: arr('v0+', { name: 'string', configOperation: 'int8', value: 'string null0+' }),
    }),
    validateOnly: 'bool',
  },
  { throttleTimeMs: 'int32', responses: arr('v0+', { errorCode: 'int16', errorMessage: 'string null0+', resourceType: 'int8', resourceName: 'string' }) },
);

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const LIST_CONFIGS = new Set(['cleanup.policy', 'leader.replication.throttled.replicas', 'follower.replication.throttled.replicas']);

function listItems(v: string | undefined): string[] {
  return (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
}

registerApi({
  schema: incrementalAlterConfigsSchema,
  async handle(req, _version, ctx) {
    const responses = [];
    for (const r of req.resources) {
      const result = await alterTopicConfigs(ctx, r.resourceType, r.resourceName, req.validateOnly, (current, effective) => {
        const next = { ...current };
        const seen = new Set<string>();
        for (const c of r.configs) {
          if (seen.has(c.name)) throw new AlterError(KafkaErrorCode.INVALID_REQUEST, `config ${c.name} appears twice`);
          seen.add(c.name);
          if (c.configOperation === SET) {
            if (c.value === null) throw new AlterError(KafkaErrorCode.INVALID_CONFIG, `SET of ${c.name} needs a value`);
            next[c.name] = c.value;
          } else if (c.configOperation === DELETE) delete next[c.name];
          else if (c.configOperation === APPEND || c.configOperation === SUBTRACT) {
            if (!LIST_CONFIGS.has(c.name)) throw new AlterError(KafkaErrorCode.INVALID_CONFIG, `${c.name} is not a list config: APPEND and SUBTRACT do not apply`);
            const items = listItems(next[c.name] ?? effective[c.name]);
            const given = listItems(c.value ?? '');
            const result = c.configOperation === APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
            next[c.name] = result.join(',');
          } else throw new AlterError(KafkaErrorCode.INVALID_REQUEST, `unknown config operation ${c.configOperation} for ${c.name}`);
        }
        return next;
      });
      responses.push({ ...result, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});

/**
 * DescribeConfigs (key 32): v0–1
 *
 * Request v0: resources [resource_type i8, resource_name string, configuration_keys nullable [string]]
 *         v1: ... , include_synonyms bool
 * Response v0: throttle_time_ms i32,
 *              results [error_code i16, error_message nullable string, resource_type i8, resource_name string,
 *                       configs [name string, value nullable string, read_only bool, is_default bool, is_sensitive bool]]
 *          v1: configs [name, value, read_only bool, config_source i8, is_sensitive bool,
 *                       synonyms [name string, value nullable string, source i8]]
 *
 * Behavior:
 * - Topics (type 2): the topic's effective config under Kafka's key names; a value equal to the
 *   built-in default is reported as the default (v0 is_default, v1 config_source 5), else as a
 *   topic override (config_source 1). configuration_keys filters; unknown keys are left out.
 * - Broker (type 4): an empty list. Other resource types: INVALID_REQUEST (42).
 * - Unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3). No synonyms are returned.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { parseTopicConfig } from '../../log/topic-config.js';
import { registerApi } from '../api.js';
import { Writer } from '../wire.js';

const TOPIC = 2;
const BROKER = 4;
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;
const defaults = parseTopicConfig({}) as unknown as Record<string, string | number>;

interface Entry {
  name: string;
  value: string;
  isDefault: boolean;
}

registerApi({
  key: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 1,
  async handle(req, version, ctx) {
    const resources = req.array((r) => ({ type: r.int8(), name: r.string(), keys: r.nullableArray((r) => r.string()) }));
    if (version >= 1) req.bool(); // include_synonyms
    const results = resources.map((res) => {
      if (res.type === BROKER) return { ...res, error: 0, message: null, entries: [] as Entry[] };
      if (res.type !== TOPIC) return { ...res, error: KafkaErrorCode.INVALID_REQUEST, message: `resource type ${res.type} is not supported`, entries: [] };
      if (!ctx.engine.hasTopic(res.name)) return { ...res, error: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `topic "${res.name}" does not exist`, entries: [] };
      const config = ctx.engine.describeTopic(res.name).config as unknown as Record<string, string | number>;
      const entries: Entry[] = Object.entries(config)
        .filter(([k]) => res.keys === null || res.keys.includes(k))
        .map(([name, value]) => ({ name, value: String(value), isDefault: String(defaults[name]) === String(value) }));
      return { ...res, error: 0, message: null, entries };
    });
    const w = new Writer().int32(0);
    w.array(results, (w, r) => {
      w.int16(r.error).nullableString(r.message).int8(r.type).string(r.name);
      w.array(r.entries, (w, e) => {
        w.string(e.name).nullableString(e.value).bool(false);
        if (version >= 1) w.int8(e.isDefault ? SOURCE_DEFAULT : SOURCE_TOPIC);
        else w.bool(e.isDefault);
        w.bool(false);
        if (version >= 1) w.int32(0);
      });
    });
    return w;
  },
});

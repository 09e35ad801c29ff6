/**
 * CreateTopics (key 19): v0–7, flexible from v5
 *
 * Request: topics [name string, num_partitions i32, replication_factor i16,
 *                  assignments [partition_index i32, broker_ids [i32]], configs [name string, value nullable string]],
 *          timeout_ms i32, validate_only bool (v1+)
 * Response: throttle_time_ms i32 (v2+),
 *           topics [name string, topic_id uuid (v7+), error_code i16, error_message nullable string (v1+),
 *                   topic_config_error_code (tag 0, v5+), num_partitions i32 (v5+), replication_factor i16 (v5+),
 *                   configs nullable [name string, value nullable string, read_only bool, config_source i8,
 *                                     is_sensitive bool] (v5+)]
 *
 * Behavior:
 * - One node: replication_factor must be 1 or −1 (the default), else INVALID_REPLICATION_FACTOR (38).
 *   Manual assignments fix the partition count and must name this broker only. num_partitions −1 =
 *   the broker default (num.partitions).
 * - Configs: every topic config Kafka has is accepted (../../log/topic-config.ts); those Sluice
 *   does not act on are stored and described. An unknown name or a bad value: INVALID_CONFIG (40)
 *   with a message naming it. A null value leaves the default.
 * - TOPIC_ALREADY_EXISTS (36), INVALID_TOPIC_EXCEPTION (17), INVALID_PARTITIONS (37) as in Kafka.
 * - v5+ answers the created topic's partition count, replication factor and configs; v7 its id.
 * - validate_only checks everything and creates nothing.
 */
import { InvalidConfigError, InvalidTopicError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { parseTopicConfig, validatePartitionCount, validateTopicName } from '../../log/topic-config.js';
import { registerApi, type BrokerContext } from '../api.js';
import { describeTopicConfigs } from '../configs.js';
import { api, arr, ZERO_UUID, type RequestOf, type ResponseOf } from '../schema.js';

export const createTopicsSchema = api(
  { key: 19, name: 'CreateTopics', valid: '0-7', flexible: '5+' },
  {
    topics: arr('v0+', {
      name: 'string',
      numPartitions: 'int32',
      replicationFactor: 'int16',
      assignments: arr('v0+', { partitionIndex: 'int32', brokerIds: '[]int32' }),
      configs: arr('v0+', { name: 'string', value: 'string null0+' }),
    }),
    timeoutMs: 'int32 =60000',
    validateOnly: 'bool v1+ =false',
  },
  {
    throttleTimeMs: 'int32 v2+',
    topics: arr('v0+', {
      name: 'string',
      topicId: 'uuid v7+',
      errorCode: 'int16',
      errorMessage: 'string v1+ null0+',
      topicConfigErrorCode: 'int16 v5+ tag0',
      numPartitions: 'int32 v5+ =-1',
      replicationFactor: 'int16 v5+ =-1',
      configs: arr('v5+ null5+', { name: 'string', value: 'string null5+', readOnly: 'bool', configSource: 'int8 =-1', isSensitive: 'bool' }),
    }),
  },
);

type Wanted = RequestOf<typeof createTopicsSchema>['topics'][number];
type Result = ResponseOf<typeof createTopicsSchema>['topics'][number];

async function createOne(ctx: BrokerContext, t: Wanted, validateOnly: boolean): Promise<Result> {
  const out: Result = { name: t.name, topicId: ZERO_UUID, errorCode: 0, errorMessage: null, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null };
  const fail = (errorCode: number, errorMessage: string) => Object.assign(out, { errorCode, errorMessage });
  const { engine, settings } = ctx;
  try {
    validateTopicName(t.name);
    if (engine.hasTopic(t.name)) return fail(KafkaErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
    if (t.assignments.length > 0 && (t.numPartitions !== -1 || t.replicationFactor !== -1)) {
      return fail(KafkaErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    if (t.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== settings.nodeId)) {
      return fail(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `a Sluice broker is one node: every partition must be assigned to broker ${settings.nodeId} alone`);
    }
    if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
      return fail(KafkaErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor}: a Sluice broker is one node, use 1`);
    }
    const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? settings.defaultPartitions : t.numPartitions;
    try {
      validatePartitionCount(partitions);
    } catch (err) {
      return fail(KafkaErrorCode.INVALID_PARTITIONS, (err as Error).message);
    }
    const config: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) config[c.name] = c.value;
    parseTopicConfig(config);
    if (validateOnly) return Object.assign(out, { numPartitions: partitions, replicationFactor: 1 });
    const created = await engine.createTopic(t.name, { partitions, config });
    return Object.assign(out, {
      topicId: created.topicId,
      numPartitions: partitions,
      replicationFactor: 1,
      configs: describeTopicConfigs(engine, t.name, null, false).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: c.isSensitive })),
    });
  } catch (err) {
    if (err instanceof InvalidTopicError) return fail(KafkaErrorCode.INVALID_TOPIC_EXCEPTION, err.message);
    if (err instanceof InvalidConfigError) return fail(KafkaErrorCode.INVALID_CONFIG, err.message);
    if (engine.hasTopic(t.name)) return fail(KafkaErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
    return fail(KafkaErrorCode.UNKNOWN_SERVER_ERROR, String(err));
  }
}

registerApi({
  schema: createTopicsSchema,
  async handle(req, _version, ctx) {
    const topics: Result[] = [];
    const seen = new Set<string>();
    for (const t of req.topics) {
      if (seen.has(t.name)) {
        topics.push({ name: t.name, topicId: ZERO_UUID, errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: `topic '${t.name}' appears twice in the request`, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null });
        continue;
      }
      seen.add(t.name);
      topics.push(await createOne(ctx, t, req.validateOnly));
    }
    return { throttleTimeMs: 0, topics };
  },
});

/**
 * CreateTopics (key 19): v0–3
 *
 * Request v0: topics [name string, num_partitions i32, replication_factor i16,
 *                     assignments [partition_index i32, broker_ids [i32]], configs [name string, value nullable string]],
 *             timeout_ms i32
 *         v1–v3: ... , validate_only bool
 * Response v0: topics [name string, error_code i16]
 *          v1: topics [name string, error_code i16, error_message nullable string]
 *          v2–v3: throttle_time_ms i32 first
 *
 * Behavior:
 * - One node: replication_factor must be 1 or −1 (default), else INVALID_REPLICATION_FACTOR (38).
 *   Manual assignments only fix the partition count. num_partitions −1 = the broker default.
 * - Configs use Kafka's key names (cleanup.policy, retention.ms, …); an unknown key or bad value
 *   gets INVALID_CONFIG (40) with the log engine's message naming it.
 * - TOPIC_ALREADY_EXISTS (36), INVALID_TOPIC_EXCEPTION (17), INVALID_PARTITIONS (37) as in Kafka.
 * - validate_only checks everything and creates nothing.
 */
import { InvalidConfigError, InvalidTopicError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { parseTopicConfig, validatePartitionCount, validateTopicName } from '../../log/topic-config.js';
import { registerApi, throttleIf, type BrokerContext } from '../api.js';
import { Writer } from '../wire.js';

interface CreateRequest {
  name: string;
  partitions: number;
  replicationFactor: number;
  assignments: number;
  configs: Array<{ name: string; value: string | null }>;
}

async function createOne(ctx: BrokerContext, t: CreateRequest, validateOnly: boolean): Promise<{ error: number; message: string | null }> {
  try {
    validateTopicName(t.name);
    if (ctx.engine.hasTopic(t.name)) return { error: KafkaErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${t.name}' already exists.` };
    if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
      return { error: KafkaErrorCode.INVALID_REPLICATION_FACTOR, message: `replication factor ${t.replicationFactor}: a Sluice broker is one node, use 1` };
    }
    const partitions = t.assignments > 0 ? t.assignments : t.partitions === -1 ? ctx.settings.defaultPartitions : t.partitions;
    try {
      validatePartitionCount(partitions);
    } catch (err) {
      return { error: KafkaErrorCode.INVALID_PARTITIONS, message: (err as Error).message };
    }
    const config: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) config[c.name] = c.value;
    parseTopicConfig(config);
    if (!validateOnly) await ctx.engine.createTopic(t.name, { partitions, config });
    return { error: 0, message: null };
  } catch (err) {
    if (err instanceof InvalidTopicError) return { error: KafkaErrorCode.INVALID_TOPIC_EXCEPTION, message: err.message };
    if (err instanceof InvalidConfigError) return { error: KafkaErrorCode.INVALID_CONFIG, message: err.message };
    if (ctx.engine.hasTopic(t.name)) return { error: KafkaErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${t.name}' already exists.` };
    return { error: KafkaErrorCode.UNKNOWN_SERVER_ERROR, message: String(err) };
  }
}

registerApi({
  key: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 3,
  async handle(req, version, ctx) {
    const topics: CreateRequest[] = req.array((r) => ({
      name: r.string(),
      partitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: r.array((r) => (r.int32(), r.array((r) => r.int32()), 0)).length,
      configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
    }));
    req.int32(); // timeout_ms
    const validateOnly = version >= 1 ? req.bool() : false;
    const results: Array<{ name: string; error: number; message: string | null }> = [];
    for (const t of topics) results.push({ name: t.name, ...(await createOne(ctx, t, validateOnly)) });
    const w = throttleIf(new Writer(), version >= 2);
    w.array(results, (w, r) => {
      w.string(r.name).int16(r.error);
      if (version >= 1) w.nullableString(r.message);
    });
    return w;
  },
});

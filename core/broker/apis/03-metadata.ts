/**
 * Metadata (key 3): v0–4
 *
 * Request v0: topics [name string]                  (empty = all topics)
 *         v1–v3: topics nullable [name string]      (null = all, empty = none)
 *         v4: ... , allow_auto_topic_creation bool
 * Response v0: brokers [node_id i32, host string, port i32],
 *              topics [error_code i16, name string,
 *                      partitions [error_code i16, partition_index i32, leader_id i32, replica_nodes [i32], isr_nodes [i32]]]
 *          v1: brokers gain rack nullable string; controller_id i32 after brokers; topics gain is_internal bool after name
 *          v2: cluster_id nullable string between brokers and controller_id
 *          v3–v4: throttle_time_ms i32 first
 *
 * Behavior:
 * - One broker, which leads every partition and is the controller; replicas and ISR = [it].
 * - A missing topic is created with the default partition count when the broker allows it and the
 *   request does (v0–v3 always do, v4 says so); created synchronously, so it is answered at once
 *   (kfake's choice; Kafka answers LEADER_NOT_AVAILABLE first). Otherwise UNKNOWN_TOPIC_OR_PARTITION
 *   (3); a name Kafka's rule refuses gets INVALID_TOPIC_EXCEPTION (17).
 * - Internal topics ("__" names, and the internal topics of apps running on this log) are listed
 *   with is_internal = true.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { validateTopicName } from '../../log/topic-config.js';
import { registerApi, throttleIf, type BrokerContext } from '../api.js';
import { Writer } from '../wire.js';

interface TopicMeta {
  error: number;
  name: string;
  partitions: number;
  internal: boolean;
}

async function lookUp(ctx: BrokerContext, name: string, autoCreate: boolean): Promise<TopicMeta> {
  const { engine, settings } = ctx;
  if (engine.hasTopic(name)) return { error: 0, name, partitions: engine.partitionCount(name), internal: engine.isInternalTopic(name) };
  try {
    validateTopicName(name);
  } catch {
    return { error: KafkaErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: 0, internal: false };
  }
  if (!autoCreate || !settings.autoCreateTopics) return { error: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: 0, internal: false };
  try {
    await engine.createTopic(name, { partitions: settings.defaultPartitions });
    ctx.logger.info('broker: auto-created topic', { topic: name, partitions: settings.defaultPartitions });
  } catch (err) {
    // Two clients asking at once: the other one created it.
    if (!engine.hasTopic(name)) return { error: KafkaErrorCode.UNKNOWN_SERVER_ERROR, name, partitions: 0, internal: false };
  }
  return { error: 0, name, partitions: engine.partitionCount(name), internal: false };
}

registerApi({
  key: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 4,
  async handle(req, version, ctx) {
    const requested = version === 0 ? req.array((r) => r.string()) : req.nullableArray((r) => r.string());
    const allowAuto = version >= 4 ? req.bool() : true;
    const all = requested === null || (version === 0 && requested.length === 0);
    const names = all ? ctx.engine.listTopics() : [...new Set(requested)];
    const topics: TopicMeta[] = [];
    for (const name of names) topics.push(await lookUp(ctx, name, allowAuto && !all));

    const { nodeId, advertisedHost, advertisedPort, clusterId } = ctx.settings;
    const w = throttleIf(new Writer(), version >= 3);
    w.array([0], (w) => {
      w.int32(nodeId).string(advertisedHost).int32(advertisedPort);
      if (version >= 1) w.nullableString(null);
    });
    if (version >= 2) w.nullableString(clusterId);
    if (version >= 1) w.int32(nodeId);
    w.array(topics, (w, t) => {
      w.int16(t.error).string(t.name);
      if (version >= 1) w.bool(t.internal);
      w.int32(t.partitions);
      for (let p = 0; p < t.partitions; p++) {
        w.int16(0).int32(p).int32(nodeId);
        w.int32(1).int32(nodeId);
        w.int32(1).int32(nodeId);
      }
    });
    return w;
  },
});

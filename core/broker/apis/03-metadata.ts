/**
 * Metadata (key 3): v0–12, flexible from v9
 *
 * Request: topics [topic_id uuid (v10+), name string (null from v10)] (v0: empty = all topics;
 *          v1+: null = all, empty = none), allow_auto_topic_creation bool (v4+),
 *          include_cluster_authorized_operations bool (v8–10), include_topic_authorized_operations bool (v8+)
 * Response: throttle_time_ms i32 (v3+), brokers [node_id i32, host string, port i32, rack nullable string (v1+)],
 *           cluster_id nullable string (v2+), controller_id i32 (v1+),
 *           topics [error_code i16, name string (null from v12), topic_id uuid (v10+), is_internal bool (v1+),
 *                   partitions [error_code i16, partition_index i32, leader_id i32, leader_epoch i32 (v7+),
 *                               replica_nodes [i32], isr_nodes [i32], offline_replicas [i32] (v5+)],
 *                   topic_authorized_operations i32 (v8+)],
 *           cluster_authorized_operations i32 (v8–10)
 *
 * Behavior:
 * - One broker, which leads every partition and is the controller; replicas and ISR = [it].
 * - A missing topic is created with the default partition count when the broker allows it and the
 *   request does (v0–v3 always do, v4+ say so); created synchronously, so it is answered at once
 *   (kfake's choice; Kafka answers LEADER_NOT_AVAILABLE first). Otherwise UNKNOWN_TOPIC_OR_PARTITION
 *   (3); a name Kafka's rule refuses gets INVALID_TOPIC_EXCEPTION (17).
 * - v12 may name a topic by id only: an unknown id gets UNKNOWN_TOPIC_ID (100).
 * - Internal topics ("__" names, and the internal topics of apps running on this log) are listed
 *   with is_internal = true.
 * - Authorized operations, when asked for (v8+): no ACLs, so every operation a topic or the
 *   cluster supports is allowed; when not asked: −2147483648, as Kafka.
 * - leader_epoch is −1: partition leader epochs are not tracked (one node, no elections).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { validateTopicName } from '../../log/topic-config.js';
import { registerApi, type BrokerContext } from '../api.js';
import { CLUSTER_OPERATIONS, NOT_ASKED, TOPIC_OPERATIONS } from '../acl-operations.js';
import { api, arr, ZERO_UUID, type ResponseOf } from '../schema.js';

export const metadataSchema = api(
  { key: 3, name: 'Metadata', valid: '0-12', flexible: '9+' },
  {
    topics: arr('v0+ null1+', { topicId: 'uuid v10+', name: 'string null10+' }),
    allowAutoTopicCreation: 'bool v4+ =true',
    includeClusterAuthorizedOperations: 'bool v8-10',
    includeTopicAuthorizedOperations: 'bool v8+',
  },
  {
    throttleTimeMs: 'int32 v3+',
    brokers: arr('v0+', { nodeId: 'int32', host: 'string', port: 'int32', rack: 'string v1+ null1+ =null' }),
    clusterId: 'string v2+ null2+ =null',
    controllerId: 'int32 v1+ =-1',
    topics: arr('v0+', {
      errorCode: 'int16',
      name: 'string null12+',
      topicId: 'uuid v10+',
      isInternal: 'bool v1+ =false',
      partitions: arr('v0+', {
        errorCode: 'int16',
        partitionIndex: 'int32',
        leaderId: 'int32',
        leaderEpoch: 'int32 v7+ =-1',
        replicaNodes: '[]int32',
        isrNodes: '[]int32',
        offlineReplicas: '[]int32 v5+',
      }),
      topicAuthorizedOperations: 'int32 v8+ =-2147483648',
    }),
    clusterAuthorizedOperations: 'int32 v8-10 =-2147483648',
  },
);

type TopicMeta = ResponseOf<typeof metadataSchema>['topics'][number];


function describe(ctx: BrokerContext, name: string, error = 0): TopicMeta {
  const { engine, settings } = ctx;
  const exists = error === 0 && engine.hasTopic(name);
  const count = exists ? engine.partitionCount(name) : 0;
  return {
    errorCode: error,
    name,
    topicId: exists ? engine.describeTopic(name).topicId : ZERO_UUID,
    isInternal: exists && engine.isInternalTopic(name),
    partitions: Array.from({ length: count }, (_, p) => ({
      errorCode: 0,
      partitionIndex: p,
      leaderId: settings.nodeId,
      leaderEpoch: -1,
      replicaNodes: [settings.nodeId],
      isrNodes: [settings.nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: NOT_ASKED,
  };
}

async function lookUp(ctx: BrokerContext, name: string, autoCreate: boolean): Promise<TopicMeta> {
  const { engine, settings } = ctx;
  if (engine.hasTopic(name)) return describe(ctx, name);
  try {
    validateTopicName(name);
  } catch {
    return describe(ctx, name, KafkaErrorCode.INVALID_TOPIC_EXCEPTION);
  }
  if (!autoCreate || !settings.autoCreateTopics) return describe(ctx, name, KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  try {
    await engine.createTopic(name, { partitions: settings.defaultPartitions });
    ctx.logger.info('broker: auto-created topic', { topic: name, partitions: settings.defaultPartitions });
  } catch {
    // Two clients asking at once: the other one created it.
    if (!engine.hasTopic(name)) return describe(ctx, name, KafkaErrorCode.UNKNOWN_SERVER_ERROR);
  }
  return describe(ctx, name);
}

registerApi({
  schema: metadataSchema,
  async handle(req, version, ctx) {
    const requested = req.topics;
    const all = requested === null || (version === 0 && requested.length === 0);
    const topics: TopicMeta[] = [];
    if (all) {
      for (const name of ctx.engine.listTopics()) topics.push(describe(ctx, name));
    } else {
      const seen = new Set<string>();
      for (const t of requested) {
        const name = t.name ?? (t.topicId !== ZERO_UUID ? ctx.engine.topicById(t.topicId) : undefined);
        if (name === undefined) {
          topics.push({ ...describe(ctx, '', KafkaErrorCode.UNKNOWN_TOPIC_ID), name: null, topicId: t.topicId });
          continue;
        }
        if (seen.has(name)) continue;
        seen.add(name);
        topics.push(await lookUp(ctx, name, req.allowAutoTopicCreation));
      }
    }
    if (req.includeTopicAuthorizedOperations) for (const t of topics) if (t.errorCode === 0) t.topicAuthorizedOperations = TOPIC_OPERATIONS;

    const { nodeId, advertisedHost, advertisedPort, clusterId } = ctx.settings;
    const res = metadataSchema.response.defaults();
    res.brokers = [{ nodeId, host: advertisedHost, port: advertisedPort, rack: null }];
    res.clusterId = clusterId;
    res.controllerId = nodeId;
    res.topics = topics;
    if (req.includeClusterAuthorizedOperations) res.clusterAuthorizedOperations = CLUSTER_OPERATIONS;
    return res;
  },
});

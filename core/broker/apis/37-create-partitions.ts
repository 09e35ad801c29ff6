/**
 * CreatePartitions (key 37): v0–3, flexible from v2
 *
 * Request: topics [name string, count i32, assignments nullable [broker_ids [i32]]], timeout_ms i32, validate_only bool
 * Response: throttle_time_ms i32, results [name string, error_code i16, error_message nullable string]
 *
 * Behavior:
 * - Grows the topic to `count` partitions at once (new partitions are empty; keyed records may now
 *   land elsewhere, as in Kafka). The count can only grow: INVALID_PARTITIONS (37) otherwise.
 * - Assignments, when given (an empty list counts as none), must name this broker alone for each new
 *   partition: INVALID_REPLICA_ASSIGNMENT (39).
 * - Unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3); a topic named twice: INVALID_REQUEST (42);
 *   internal topics: TOPIC_AUTHORIZATION_FAILED (29). validate_only checks and changes nothing.
 */
import { InvalidConfigError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { MAX_PARTITIONS } from '../../log/topic-config.js';
import { registerApi } from '../api.js';
import { api, arr } from '../schema.js';

export const createPartitionsSchema = api(
  { key: 37, name: 'CreatePartitions', valid: '0-3', flexible: '2+' },
  {
    topics: arr('v0+', { name: 'string', count: 'int32', assignments: arr('v0+ null0+', { brokerIds: '[]int32' }) }),
    timeoutMs: 'int32',
    validateOnly: 'bool',
  },
  { throttleTimeMs: 'int32', results: arr('v0+', { name: 'string', errorCode: 'int16', errorMessage: 'string null0+ =null' }) },
);

registerApi({
  schema: createPartitionsSchema,
  async handle(req, _version, ctx) {
    const { engine, settings } = ctx;
    const results = [];
    const names = req.topics.map((t) => t.name);
    for (const t of req.topics) {
      const fail = (errorCode: number, errorMessage: string) => results.push({ name: t.name, errorCode, errorMessage });
      if (names.indexOf(t.name) !== names.lastIndexOf(t.name)) fail(KafkaErrorCode.INVALID_REQUEST, `topic '${t.name}' appears more than once`);
      else if (!engine.hasTopic(t.name)) fail(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${t.name}' does not exist`);
      else if (t.name.startsWith('__')) fail(KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED, `internal topic '${t.name}' cannot get partitions`);
      else {
        const current = engine.partitionCount(t.name);
        if (t.count <= current) fail(KafkaErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than or equal to the requested ${t.count}.`);
        else if (t.count > MAX_PARTITIONS) fail(KafkaErrorCode.INVALID_PARTITIONS, `at most ${MAX_PARTITIONS} partitions per topic`);
        else if (t.assignments && t.assignments.length > 0 && t.assignments.length !== t.count - current) fail(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `${t.assignments.length} assignments for ${t.count - current} new partitions`);
        else if (t.assignments?.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== settings.nodeId)) fail(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `a Sluice broker is one node: every partition must be assigned to broker ${settings.nodeId} alone`);
        else if (req.validateOnly) results.push({ name: t.name, errorCode: 0, errorMessage: null });
        else {
          try {
            await engine.createPartitions(t.name, t.count);
            results.push({ name: t.name, errorCode: 0, errorMessage: null });
          } catch (err) {
            if (!(err instanceof InvalidConfigError)) throw err;
            fail(KafkaErrorCode.INVALID_PARTITIONS, err.message);
          }
        }
      }
    }
    return { throttleTimeMs: 0, results };
  },
});

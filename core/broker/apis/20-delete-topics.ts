/**
 * DeleteTopics (key 20): v0–6, flexible from v4
 *
 * Request v0–5: topic_names [string], timeout_ms i32
 *         v6: topics [name nullable string, topic_id uuid], timeout_ms i32
 * Response: throttle_time_ms i32 (v1+),
 *           responses [name string (nullable v6+), topic_id uuid (v6+), error_code i16, error_message nullable string (v5+)]
 *
 * Behavior:
 * - Deletes the topic's data at once. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3), or
 *   UNKNOWN_TOPIC_ID (100) for an unknown id (v6). Internal topics (__consumer_offsets; the
 *   changelogs, repartition and source-offsets topics of apps running on this log) cannot be
 *   deleted: TOPIC_AUTHORIZATION_FAILED (29), the answer a Kafka client gets when it may not delete
 *   a topic.
 * - A name of up to 249 characters (Kafka's limit) deletes like any other, for good.
 * - The topic's partitions leave every fetch session.
 */
import { InternalTopicError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api, arr, ZERO_UUID } from '../schema.js';

export const deleteTopicsSchema = api(
  { key: 20, name: 'DeleteTopics', valid: '0-6', flexible: '4+' },
  {
    topics: arr('v6+', { name: 'string null6+ =null', topicId: 'uuid' }),
    topicNames: '[]string v0-5',
    timeoutMs: 'int32',
  },
  {
    throttleTimeMs: 'int32 v1+',
    responses: arr('v0+', { name: 'string null6+', topicId: 'uuid v6+', errorCode: 'int16', errorMessage: 'string v5+ null5+ =null' }),
  },
);


registerApi({
  schema: deleteTopicsSchema,
  async handle(req, version, ctx) {
    const { engine } = ctx;
    const wanted = version >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses = [];
    for (const w of wanted) {
      const byId = w.name === null;
      const name = w.name ?? engine.topicById(w.topicId) ?? null;
      const out = { name, topicId: w.topicId, errorCode: 0, errorMessage: null as string | null };
      if (name === null || !engine.hasTopic(name)) {
        out.errorCode = byId ? KafkaErrorCode.UNKNOWN_TOPIC_ID : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        out.errorMessage = byId ? `no topic has id ${w.topicId}` : `topic "${name}" does not exist`;
      } else if (engine.isInternalTopic(name)) {
        out.errorCode = KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED;
        out.errorMessage = `internal topic "${name}" cannot be deleted`;
      } else {
        out.topicId = engine.describeTopic(name).topicId;
        try {
          await engine.deleteTopic(name);
          ctx.fetchSessions.forgetTopic(name);
        } catch (err) {
          if (err instanceof InternalTopicError) {
            out.errorCode = KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED;
            out.errorMessage = err.message;
          } else {
            ctx.logger.error('broker: delete topic failed', { topic: name, error: String(err) });
            out.errorCode = KafkaErrorCode.UNKNOWN_SERVER_ERROR;
            out.errorMessage = String(err);
          }
        }
      }
      responses.push(version < 6 && out.name === null ? { ...out, name: '' } : out);
    }
    return { throttleTimeMs: 0, responses };
  },
});

/**
 * DeleteTopics (key 20): v0–1
 *
 * Request v0–v1: topic_names [string], timeout_ms i32
 * Response v0: responses [name string, error_code i16]
 *          v1: throttle_time_ms i32 first
 *
 * Behavior:
 * - Deletes the topic's data at once. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3). Internal topics
 *   (__consumer_offsets; the changelogs, repartition and source-offsets topics of apps running on
 *   this log) cannot be deleted: TOPIC_AUTHORIZATION_FAILED (29), the answer a Kafka client gets
 *   when it may not delete a topic.
 * - A name of up to 249 characters (Kafka's limit) deletes like any other, for good.
 */
import { InternalTopicError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 1,
  async handle(req, version, ctx) {
    const names = req.array((r) => r.string());
    req.int32(); // timeout_ms
    const results: Array<{ name: string; error: number }> = [];
    for (const name of names) {
      let error = 0;
      if (!ctx.engine.hasTopic(name)) error = KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (ctx.engine.isInternalTopic(name)) error = KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED;
      else {
        try {
          await ctx.engine.deleteTopic(name);
        } catch (err) {
          if (err instanceof InternalTopicError) error = KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED;
          else {
            ctx.logger.error('broker: delete topic failed', { topic: name, error: String(err) });
            error = KafkaErrorCode.UNKNOWN_SERVER_ERROR;
          }
        }
      }
      results.push({ name, error });
    }
    return throttleIf(new Writer(), version >= 1).array(results, (w, r) => w.string(r.name).int16(r.error));
  },
});

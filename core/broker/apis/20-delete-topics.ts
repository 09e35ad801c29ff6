/**
 * DeleteTopics (key 20): v0–1
 *
 * Request v0–v1: topic_names [string], timeout_ms i32
 * Response v0: responses [name string, error_code i16]
 *          v1: throttle_time_ms i32 first
 *
 * Behavior:
 * - Deletes the topic's data at once. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3). Internal topics
 *   (__consumer_offsets) cannot be deleted: TOPIC_AUTHORIZATION_FAILED (29), as Kafka refuses them.
 */
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
      else if (name.startsWith('__')) error = KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED;
      else {
        try {
          await ctx.engine.deleteTopic(name);
        } catch (err) {
          ctx.logger.error('broker: delete topic failed', { topic: name, error: String(err) });
          error = KafkaErrorCode.UNKNOWN_SERVER_ERROR;
        }
      }
      results.push({ name, error });
    }
    return throttleIf(new Writer(), version >= 1).array(results, (w, r) => w.string(r.name).int16(r.error));
  },
});

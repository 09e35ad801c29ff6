/** Errors of the Redis sink (codes are stable; see core/errors.ts). */
import { SluiceError } from '../../core/errors.js';

/** Redis refused commands of a batch, or could not be reached. Retriable: writes are idempotent. */
export class RedisSinkError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('REDIS_SINK_FAILED', message, { retriable: true, ...options });
  }
}

/** A record the sink cannot address or store (no key for "{key}", a missing field, a hash value that is not a JSON object). */
export class RedisRecordError extends SluiceError {
  constructor(message: string) {
    super('REDIS_BAD_RECORD', message);
  }
}

/**
 * InitProducerId (key 22): v0–5, flexible from v2
 *
 * Request: transactional_id nullable string, transaction_timeout_ms i32,
 *          producer_id i64 (v3+, −1 = none), producer_epoch i16 (v3+, −1 = none)
 * Response: throttle_time_ms i32, error_code i16, producer_id i64, producer_epoch i16
 *
 * Behavior:
 * - Idempotent producers (no transactional_id): a new producer id with epoch 0, unique for the
 *   life of the data directory (../producer-ids.ts). Each partition then checks the producer's
 *   sequences (core/log/producer-state.ts): a retried batch it already has is answered
 *   DUPLICATE_SEQUENCE_NUMBER without being appended again, a gap OUT_OF_ORDER_SEQUENCE_NUMBER.
 * - v3+ with the producer's current id and epoch (KIP-360, after an error the producer cannot
 *   otherwise recover from): the same id with the next epoch; past epoch 32767, a new id.
 * - A transactional_id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53) with a message:
 *   transactions are not implemented (SKIPPED.md).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api } from '../schema.js';

export const initProducerIdSchema = api(
  { key: 22, name: 'InitProducerId', valid: '0-5', flexible: '2+' },
  { transactionalId: 'string null0+', transactionTimeoutMs: 'int32', producerId: 'int64 v3+ =-1', producerEpoch: 'int16 v3+ =-1' },
  { throttleTimeMs: 'int32', errorCode: 'int16', producerId: 'int64 =-1', producerEpoch: 'int16' },
);

const MAX_EPOCH = 32767;

registerApi({
  schema: initProducerIdSchema,
  async handle(req, _version, ctx) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: KafkaErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    if (req.producerId >= 0 && req.producerEpoch >= 0 && req.producerEpoch < MAX_EPOCH) {
      return { throttleTimeMs: 0, errorCode: 0, producerId: req.producerId, producerEpoch: req.producerEpoch + 1 };
    }
    return { throttleTimeMs: 0, errorCode: 0, producerId: ctx.producerIds.allocate(), producerEpoch: 0 };
  },
});

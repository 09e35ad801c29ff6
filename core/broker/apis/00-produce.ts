/**
 * Produce (key 0): v0–11, flexible from v9
 *
 * Request: transactional_id nullable string (v3+), acks i16, timeout_ms i32,
 *          topic_data [name string, partition_data [index i32, records nullable records]]
 * Response: responses [name string, partition_responses [index i32, error_code i16, base_offset i64,
 *                      log_append_time_ms i64 (v2+), log_start_offset i64 (v5+),
 *                      record_errors [batch_index i32, batch_index_error_message nullable string] (v8+),
 *                      error_message nullable string (v8+), current_leader (tag 0, v10+)]],
 *           throttle_time_ms i32 (v1+), node_endpoints (tag 0, v10+)
 *
 * Behavior:
 * - v3+: each partition's records must be exactly one RecordBatch v2 (magic 2, a length that
 *   matches, CRC-32C over attributes..end, lastOffsetDelta = count − 1, not a control batch); it is
 *   stored verbatim, only the base offset is rewritten (it lies before the CRC'd range).
 *   Failures, per partition: CORRUPT_MESSAGE (2), INVALID_RECORD (87) for a control batch,
 *   UNSUPPORTED_FOR_MESSAGE_FORMAT (43) for magic 0/1, UNSUPPORTED_COMPRESSION_TYPE (76) for a codec
 *   the log cannot read (core/log/codecs.ts), MESSAGE_TOO_LARGE (10) over the topic's max.message.bytes,
 *   UNKNOWN_TOPIC_OR_PARTITION (3).
 * - v0–v2 carry MessageSets (magic 0 for v0–v1, magic 1 for v2): they are converted to one
 *   RecordBatch v2 (core/log/message-set.ts), as Kafka 3.x converts old formats on append.
 * - Internal topics (__consumer_offsets, and the changelogs, repartition and source-offsets topics
 *   of apps running on this log) take no client's records: INVALID_TOPIC_EXCEPTION (17), as Kafka
 *   answers "Cannot append to internal topic".
 * - A disk that refuses the write (full, read-only, failing): KAFKA_STORAGE_ERROR (56), retriable.
 * - zstd batches need Produce v7+ (KIP-110): UNSUPPORTED_COMPRESSION_TYPE (76) below.
 * - Idempotent producers (producer id ≥ 0, from InitProducerId): the partition checks the batch's
 *   sequence (core/log/producer-state.ts). A batch it already has (a retry after a lost
 *   response) gets DUPLICATE_SEQUENCE_NUMBER (46) with the offset it was stored at, and nothing is
 *   appended; a gap OUT_OF_ORDER_SEQUENCE_NUMBER (45); an older epoch INVALID_PRODUCER_EPOCH (47).
 * - LogAppendTime topics: batches are stamped with the broker's time, answered in log_append_time_ms.
 * - acks −1 and 1 answer once the log's flush policy made the batch durable (one node: the same);
 *   acks 0 writes no response at all. Other acks values: INVALID_REQUIRED_ACKS (21).
 * - acks −1 on a topic with min.insync.replicas above 1: NOT_ENOUGH_REPLICAS (19), as Kafka answers
 *   when fewer replicas are in sync (one node has one).
 * - CreateTime topics refuse a batch whose timestamps lie further from the broker's clock than
 *   message.timestamp.before.max.ms / after.max.ms (or the deprecated difference.max.ms) allow:
 *   INVALID_TIMESTAMP (32), with the batch named in record_errors (v8+).
 * - log_append_time_ms is −1 (CreateTime topics); timeout_ms is ignored (writes do not wait on replicas).
 * - A transactional_id gets INVALID_REQUEST (42): transactions are not implemented (SKIPPED.md).
 * - current_leader / node_endpoints are only for NOT_LEADER_OR_FOLLOWER, which one node never answers.
 */
import { CorruptRecordBatchError, InternalTopicError, LogStorageError, RecordTooLargeError, UnsupportedCompressionError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { isReadableCodec } from '../../log/codecs.js';
import { DuplicateSequenceError, InvalidProducerEpochError, OutOfOrderSequenceError } from '../../log/errors.js';
import { messageSetToBatch } from '../../log/message-set.js';
import { readBatchHeader } from '../../log/record-batch.js';
import type { TopicConfig } from '../../log/topic-config.js';
import { registerApi, type BrokerContext } from '../api.js';
import { api, arr, obj, type ResponseOf } from '../schema.js';

export const produceSchema = api(
  { key: 0, name: 'Produce', valid: '0-11', flexible: '9+' },
  {
    transactionalId: 'string v3+ null3+ =null',
    acks: 'int16',
    timeoutMs: 'int32',
    topicData: arr('v0+', {
      name: 'string',
      partitionData: arr('v0+', { index: 'int32', records: 'records null0+' }),
    }),
  },
  {
    responses: arr('v0+', {
      name: 'string',
      partitionResponses: arr('v0+', {
        index: 'int32',
        errorCode: 'int16',
        baseOffset: 'int64',
        logAppendTimeMs: 'int64 v2+ =-1',
        logStartOffset: 'int64 v5+ =-1',
        recordErrors: arr('v8+', { batchIndex: 'int32', batchIndexErrorMessage: 'string v8+ null8+ =null' }),
        errorMessage: 'string v8+ null8+ =null',
        currentLeader: obj('v10+ tag0', { leaderId: 'int32 =-1', leaderEpoch: 'int32 =-1' }),
      }),
    }),
    throttleTimeMs: 'int32 v1+',
    nodeEndpoints: arr('v10+ tag0', { nodeId: 'int32', host: 'string', port: 'int32', rack: 'string null0+ =null' }),
  },
);

type PartitionResponse = ResponseOf<typeof produceSchema>['responses'][number]['partitionResponses'][number];

const CONTROL_BIT = 0x20;
const ZSTD = 4;

function checkBatch(records: Buffer, maxBytes: number, version: number): { error: number; message: string | null } {
  const fail = (error: number, message: string) => ({ error, message });
  if (records.length < 61) return fail(KafkaErrorCode.CORRUPT_MESSAGE, `records are ${records.length} bytes, shorter than a batch header`);
  const magic = records[16];
  if (magic !== 2) return fail(KafkaErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, `Produce v3+ needs RecordBatch v2 (magic 2), got magic ${magic}`);
  const size = records.readInt32BE(8) + 12;
  if (size !== records.length) return fail(KafkaErrorCode.CORRUPT_MESSAGE, 'Produce v3+ carries exactly one record batch per partition');
  if (size > maxBytes) return fail(KafkaErrorCode.MESSAGE_TOO_LARGE, `batch of ${size} bytes is over max.message.bytes ${maxBytes}`);
  const h = readBatchHeader(records, 0);
  if (h.attributes & CONTROL_BIT) return fail(KafkaErrorCode.INVALID_RECORD, 'clients may not produce control batches');
  if (h.compression === ZSTD && version < 7) return fail(KafkaErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd batches need Produce v7 or later');
  if (!isReadableCodec(h.compression)) return fail(KafkaErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `compression codec ${h.compression} is not supported`);
  if (h.recordCount <= 0 || h.lastOffsetDelta !== h.recordCount - 1) return fail(KafkaErrorCode.CORRUPT_MESSAGE, 'lastOffsetDelta does not match the record count');
  return { error: 0, message: null };
}

/** Why the batch's timestamps are out of the topic's bounds, or null when they are within. */
function timestampError(config: TopicConfig, batch: Buffer, now: number): string | null {
  if (config['message.timestamp.type'] !== 'CreateTime') return null;
  const difference = Number(config['message.timestamp.difference.max.ms']);
  const before = Math.min(Number(config['message.timestamp.before.max.ms']), difference);
  const after = Math.min(Number(config['message.timestamp.after.max.ms']), difference);
  const h = readBatchHeader(batch, 0);
  const lowest = Math.min(h.firstTimestamp, h.maxTimestamp);
  if (now - lowest > before) return `timestamp ${lowest} is more than ${before} ms before the broker's time ${now} (message.timestamp.before.max.ms)`;
  if (h.maxTimestamp - now > after) return `timestamp ${h.maxTimestamp} is more than ${after} ms after the broker's time ${now} (message.timestamp.after.max.ms)`;
  return null;
}

async function produceOne(ctx: BrokerContext, version: number, acks: number, topic: string, index: number, given: Buffer | null, transactional: boolean): Promise<PartitionResponse> {
  const out: PartitionResponse = { index, errorCode: 0, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
  const fail = (error: number, message: string | null = null) => Object.assign(out, { errorCode: error, errorMessage: message });
  const { engine } = ctx;
  if (!engine.hasTopic(topic) || index < 0 || index >= engine.partitionCount(topic)) return fail(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (transactional) return fail(KafkaErrorCode.INVALID_REQUEST, 'transactions are not supported by this broker');
  if (engine.isInternalTopic(topic)) return fail(KafkaErrorCode.INVALID_TOPIC_EXCEPTION, `topic "${topic}" is internal: clients cannot append to it`);
  if (!given) return fail(KafkaErrorCode.CORRUPT_MESSAGE, 'records are null');
  let records: Buffer = given;
  if (version <= 2) {
    try {
      records = messageSetToBatch(given, engine.clock.now());
    } catch (err) {
      if (err instanceof CorruptRecordBatchError) return fail(KafkaErrorCode.CORRUPT_MESSAGE, err.message);
      throw err;
    }
  }
  const described = engine.describeTopic(topic);
  const config = described.config;
  const checked = checkBatch(records, config['max.message.bytes'], version);
  if (checked.error) return fail(checked.error, checked.message);
  if (acks === -1 && config['min.insync.replicas'] > 1) {
    return fail(KafkaErrorCode.NOT_ENOUGH_REPLICAS, `min.insync.replicas is ${config['min.insync.replicas']} but a Sluice broker has one replica`);
  }
  const badTime = timestampError(config, records, engine.clock.now());
  if (badTime) {
    out.recordErrors = [{ batchIndex: 0, batchIndexErrorMessage: badTime }];
    return fail(KafkaErrorCode.INVALID_TIMESTAMP, badTime);
  }
  try {
    const appended = await engine.appendRaw(topic, index, records);
    out.baseOffset = appended.baseOffset;
    if (config['message.timestamp.type'] === 'LogAppendTime') out.logAppendTimeMs = appended.appendTime;
    // An append never moves the log start: the description taken before it still holds.
    out.logStartOffset = described.partitions[index]!.logStartOffset;
    return out;
  } catch (err) {
    if (err instanceof CorruptRecordBatchError) return fail(KafkaErrorCode.CORRUPT_MESSAGE, err.message);
    if (err instanceof DuplicateSequenceError) {
      out.baseOffset = err.firstOffset;
      return fail(KafkaErrorCode.DUPLICATE_SEQUENCE_NUMBER, err.message);
    }
    if (err instanceof OutOfOrderSequenceError) return fail(KafkaErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, err.message);
    if (err instanceof InvalidProducerEpochError) return fail(KafkaErrorCode.INVALID_PRODUCER_EPOCH, err.message);
    if (err instanceof InternalTopicError) return fail(KafkaErrorCode.INVALID_TOPIC_EXCEPTION, err.message);
    if (err instanceof RecordTooLargeError) return fail(KafkaErrorCode.MESSAGE_TOO_LARGE, err.message);
    if (err instanceof UnsupportedCompressionError) return fail(KafkaErrorCode.UNSUPPORTED_COMPRESSION_TYPE, err.message);
    if (err instanceof LogStorageError) {
      ctx.logger.error('broker: append failed: the disk refused the write', { topic, partition: index, error: err.message });
      return fail(KafkaErrorCode.KAFKA_STORAGE_ERROR, err.message);
    }
    ctx.logger.error('broker: append failed', { topic, partition: index, error: String(err) });
    return fail(KafkaErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

registerApi({
  schema: produceSchema,
  async handle(req, version, ctx) {
    const { acks } = req;
    const badAcks = acks !== 0 && acks !== 1 && acks !== -1;
    const res = produceSchema.response.defaults();
    res.responses = await Promise.all(
      req.topicData.map(async (t) => ({
        name: t.name,
        partitionResponses: await Promise.all(
          t.partitionData.map((p) => {
            if (!badAcks) return produceOne(ctx, version, acks, t.name, p.index, p.records as Buffer | null, req.transactionalId !== null);
            return { index: p.index, errorCode: KafkaErrorCode.INVALID_REQUIRED_ACKS, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
          }),
        ),
      })),
    );
    return acks === 0 ? null : res;
  },
});

/**
 * Produce (key 0): v3–7 (RecordBatch v2 only)
 *
 * Request v3–v7: transactional_id nullable string, acks i16, timeout_ms i32,
 *                topic_data [name string, partition_data [index i32, records nullable bytes]]
 * Response v3–v4: responses [name string, partition_responses [index i32, error_code i16, base_offset i64, log_append_time_ms i64]],
 *                 throttle_time_ms i32
 *          v5–v7: partition_responses gain log_start_offset i64
 *
 * Behavior:
 * - Each partition's records must be exactly one RecordBatch v2 (magic 2, a length that matches,
 *   CRC-32C over attributes..end, lastOffsetDelta = count − 1, not a control batch); they are stored
 *   verbatim, only the base offset is rewritten (it lies before the CRC'd range). Compressed batches
 *   are stored compressed. Failures, per partition: CORRUPT_MESSAGE (2), UNSUPPORTED_FOR_MESSAGE_FORMAT
 *   (43) for magic 0/1, UNSUPPORTED_COMPRESSION_TYPE (76) for a codec the log cannot read (core/log/codecs.ts),
 *   MESSAGE_TOO_LARGE (10) over the topic's max.message.bytes, UNKNOWN_TOPIC_OR_PARTITION (3).
 * - Internal topics (__consumer_offsets, and the changelogs, repartition and source-offsets topics
 *   of apps running on this log) take no client's records: INVALID_TOPIC_EXCEPTION (17), as Kafka
 *   answers "Cannot append to internal topic".
 * - A disk that refuses the write (full, read-only, failing): KAFKA_STORAGE_ERROR (56), retriable.
 * - acks −1 and 1 answer once the log's flush policy made the batch durable (one node: the same);
 *   acks 0 writes no response at all. Other acks values: INVALID_REQUIRED_ACKS (21).
 * - log_append_time_ms is −1 (CreateTime topics); timeout_ms is ignored (writes do not wait on replicas).
 * - A transactional_id gets INVALID_REQUEST (42): transactions are not implemented (SKIPPED.md).
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { isReadableCodec } from '../../log/codecs.js';
import { readBatchHeader } from '../../log/record-batch.js';
import { CorruptRecordBatchError, InternalTopicError, LogStorageError, RecordTooLargeError, UnsupportedCompressionError } from '../../errors.js';
import { registerApi, type BrokerContext } from '../api.js';
import { Writer } from '../wire.js';

interface PartitionResult {
  index: number;
  error: number;
  baseOffset: number;
  logStartOffset: number;
}

const CONTROL_BIT = 0x20;

function checkBatch(records: Buffer | null, maxBytes: number): number {
  if (!records || records.length < 61) return KafkaErrorCode.CORRUPT_MESSAGE;
  const magic = records[16];
  if (magic !== 2) return KafkaErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT;
  const size = records.readInt32BE(8) + 12;
  if (size !== records.length) return KafkaErrorCode.CORRUPT_MESSAGE; // v3+: exactly one batch
  if (size > maxBytes) return KafkaErrorCode.MESSAGE_TOO_LARGE;
  const h = readBatchHeader(records, 0);
  if (h.attributes & CONTROL_BIT) return KafkaErrorCode.CORRUPT_MESSAGE;
  if (!isReadableCodec(h.compression)) return KafkaErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  if (h.recordCount <= 0 || h.lastOffsetDelta !== h.recordCount - 1) return KafkaErrorCode.CORRUPT_MESSAGE;
  return 0;
}

async function produceOne(ctx: BrokerContext, topic: string, index: number, records: Buffer | null, transactional: boolean): Promise<PartitionResult> {
  const fail = (error: number): PartitionResult => ({ index, error, baseOffset: -1, logStartOffset: -1 });
  const { engine } = ctx;
  if (!engine.hasTopic(topic) || index < 0 || index >= engine.partitionCount(topic)) return fail(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (transactional) return fail(KafkaErrorCode.INVALID_REQUEST);
  if (engine.isInternalTopic(topic)) return fail(KafkaErrorCode.INVALID_TOPIC_EXCEPTION);
  const error = checkBatch(records, engine.describeTopic(topic).config['max.message.bytes']);
  if (error) return fail(error);
  try {
    const res = await engine.appendRaw(topic, index, records!);
    const logStartOffset = engine.describeTopic(topic).partitions[index]!.logStartOffset;
    return { index, error: 0, baseOffset: res.baseOffset, logStartOffset };
  } catch (err) {
    if (err instanceof CorruptRecordBatchError) return fail(KafkaErrorCode.CORRUPT_MESSAGE);
    if (err instanceof InternalTopicError) return fail(KafkaErrorCode.INVALID_TOPIC_EXCEPTION);
    if (err instanceof RecordTooLargeError) return fail(KafkaErrorCode.MESSAGE_TOO_LARGE);
    if (err instanceof UnsupportedCompressionError) return fail(KafkaErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    if (err instanceof LogStorageError) {
      ctx.logger.error('broker: append failed: the disk refused the write', { topic, partition: index, error: err.message });
      return fail(KafkaErrorCode.KAFKA_STORAGE_ERROR);
    }
    ctx.logger.error('broker: append failed', { topic, partition: index, error: String(err) });
    return fail(KafkaErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

registerApi({
  key: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 7,
  async handle(req, version, ctx) {
    const transactionalId = req.nullableString();
    const acks = req.int16();
    req.int32(); // timeout_ms
    const topics = req.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
    }));
    const badAcks = acks !== 0 && acks !== 1 && acks !== -1;
    const results = await Promise.all(
      topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map((p) =>
            badAcks
              ? { index: p.index, error: KafkaErrorCode.INVALID_REQUIRED_ACKS, baseOffset: -1, logStartOffset: -1 }
              : produceOne(ctx, t.name, p.index, p.records, transactionalId !== null),
          ),
        ),
      })),
    );
    if (acks === 0) return null;
    const w = new Writer();
    w.array(results, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int16(p.error).int64(p.baseOffset).int64(-1);
        if (version >= 5) w.int64(p.logStartOffset);
      });
    });
    w.int32(0);
    return w;
  },
});

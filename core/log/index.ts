/** Public names of the log engine. */
export { openLog, EmbeddedLog } from './engine.js';
export { DataDirLockedError } from './errors.js';
export { defaultPartition, murmur2, toPositive, StickyPartitioner } from './partitioner.js';
export {
  encodeRecordBatch,
  decodeRecordBatch,
  decodeRecordBatches,
  readBatchHeader,
  validateBatch,
  validateBatches,
  setBaseOffset,
  batchEndOffset,
  BATCH_HEADER_SIZE,
  type BatchHeader,
  type EncodeOptions,
  type DecodeOptions,
} from './record-batch.js';
export { topicConfigSchema, parseTopicConfig, parseConfigPairs, validateTopicName, validatePartitionCount } from './topic-config.js';
export * from './types.js';

/**
 * Sluice's public API. Each area exports its public names from its own index; internals stay
 * unexported.
 */
export * from './core/errors.js';
export { KafkaErrorCode, isRetriableKafkaError, kafkaErrorName } from './core/kafka-errors.js';
export {
  openLog,
  defaultPartition,
  murmur2,
  encodeRecordBatch,
  decodeRecordBatch,
  decodeRecordBatches,
  validateBatches,
  topicConfigSchema,
  parseTopicConfig,
  validateTopicName,
  DataDirLockedError,
} from './core/log/index.js';
export type * from './core/log/types.js';
export { embedded, EmbeddedClient, CommitFailedError, GroupMembershipError, type EmbeddedOptions } from './core/client/index.js';
export type * from './core/client/types.js';
export type * from './core/worker/contracts.js';

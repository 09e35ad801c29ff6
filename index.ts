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
export { embedded, EmbeddedClient, CommitFailedError, GroupMembershipError, GroupNotEmptyError, UnknownGroupError, UnsupportedByBrokerError, type EmbeddedOptions } from './core/client/index.js';
export type * from './core/client/types.js';
export { kafka, KafkaClient, BrokerUnreachableError, KafkaAuthenticationError, KafkaClientError, type KafkaClientOptions } from './core/client/kafka/index.js';
export { startBroker, ListenError, brokerOptionsSchema, type Broker, type BrokerOptions } from './core/broker/index.js';
export type * from './core/worker/contracts.js';
export { appOptionsSchema, type AppOptions } from './core/worker/app.js';
export type { SubtopologyNodes } from './core/worker/topology-description.js';
export { isApp, type AppLike } from './core/worker/app-brand.js';
export { PipelineFailedError, CopartitioningError, AppConfigError, AppStoppedError, ThreadFailedError, UnknownConnectorError, ConnectorStateError } from './core/worker/errors.js';
export type { ConnectorInfo, ConnectorMeta, PipelineInfo } from './core/worker/app-info.js';
export { threadedApp, ThreadedApp, threadedAppOptionsSchema, type ThreadedAppOptions, type ThreadContext } from './core/worker/threads/threaded-app.js';
export { errorPolicySchema, type ErrorPolicy } from './core/worker/error-policy.js';
export { createLogger } from './core/worker/logger.js';
export { MetricsRegistry } from './core/worker/metrics.js';
export type { Transform } from './core/worker/transform.js';
export { registerConnector, getConnector, listConnectors } from './connectors/registry.js';
export { loadConnectFile, buildConnectApp, connectFileClient, connectFileSchema, resolveEnvReferences, type LoadedConnectFile, type LoadedConnector, type BuildOptions, type ConnectFile } from './connectors/connect-file/index.js';
export { configFields, type ConfigField } from './connectors/config-fields.js';
export { transformDefinitions, parseTransform } from './connectors/transforms/index.js';
export { createTransform, transformSchema } from './connectors/transforms/index.js';
export { FileSource, FileSink, fileSourceConfig, fileSinkConfig } from './connectors/file/index.js';
export { HttpSource, HttpSink, httpSourceConfig, httpSinkConfig, HttpSinkError, MalformedBodyError } from './connectors/http/index.js';
export { RedisSink, redisSinkConfig, RedisRecordError, RedisSinkError } from './connectors/redis/index.js';
export { startManagementServer, managementOptionsSchema, type ManagementOptions, type ManagementServer } from './api/server.js';
export type { ManagedApp } from './api/context.js';
export * from './processors/index.js';

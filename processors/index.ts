/** The DSL's public names. */
export { streamOf, tableOf, type AppLike, type StreamOptions, type TableOptions } from './builder.js';
export { KStream, type StreamOf } from './stream.js';
export { App, app } from './streams-app.js';
// The topology: every operator is a node; write your own with sluiceOperator({ kind, writeToTopology }).
export { named, sluiceOperator, nodeOf, type SluiceOperator, type TopologyNode, type NodeBuilder, type TaskBinding, type Bind, type ProcessorOptions } from './topology/node.js';
export { TopologyDescription, type SubtopologyDescription, type NodeDescription } from '../core/worker/topology-description.js';
export { InvalidTimestampError, StoreBackendError } from './errors.js';
// Writing your own operators: one subscriber over plain data structures, state per task.
export { recordOperator, afterRestore, type RecordOperatorHooks } from './operator.js';
export { currentTask, taskState } from './task-scope.js';
export { statefulOperator } from './stateful.js';
export { mapValues } from './operators/map-values.js';
export { selectKey } from './operators/select-key.js';
export { flatMapValues } from './operators/flat-map-values.js';
export { peek } from './operators/peek.js';
export { to } from './operators/to.js';
export { groupByKey, type GroupByKeyOptions } from './operators/group-by-key.js';
export { windowed } from './operators/windowed.js';
export { aggregate, count, reduce, type AggregateOptions } from './operators/aggregate.js';
export { suppress, untilWindowCloses, untilTimeLimit, SuppressBufferFullError, type SuppressBuffer, type SuppressConfig } from './operators/suppress.js';
export { tumbling, hopping, session, sliding, type WindowDef } from './windows/window-def.js';
export { TestDriver, type TestRecord, type OutputRecord, type InputSerdes, type TestDriverOptions } from './testing.js';
export { json, string, bytes, SerdeError, type Serde } from '../core/serde/index.js';
export type { Rec, Window, Windowed, KeyValueStore, WindowStore, SessionStore } from './types.js';
export { KTable } from './table.js';
export { joinTable, leftJoinTable } from './joins/join-table.js';
export { join, leftJoin, outerJoin, joinStoreNames, type JoinOptions, type OtherStream } from './joins/join-stream.js';
// JoinChangelogFormatError: the older name, from when a join kept its own changelog.
export { ChangelogFormatError, ChangelogFormatError as JoinChangelogFormatError } from './stores/duplicate-window-codec.js';
export { toTable, toStream } from './operators/to-table.js';
export { merge, type MergeSource } from './operators/merge.js';
export { branch } from './operators/branch.js';
// State stores: the one state API (Kafka Streams' Materialized and its stores).
export { materialized, type Materialized, type StoreBackendOptions } from './stores/materialized.js';
export { keyValueStore, windowStore, sessionStore, duplicateWindowStore } from './stores/open.js';
export { MemoryKeyValueStore, type KeyValueAccess } from './stores/memory-kv.js';
export { RedisKeyValueStore, type RedisStoreOptions } from './stores/redis-kv.js';
export { MemoryWindowStore } from './stores/memory-window.js';
export { RedisWindowStore } from './stores/redis-window.js';
export { MemorySessionStore } from './stores/memory-session.js';
export { RedisSessionStore } from './stores/redis-session.js';
export type { WindowAccess, WindowEntry, WindowStoreSpec } from './stores/window-store.js';
export type { SessionAccess, SessionEntry } from './stores/session-store.js';
export type { DuplicateWindowAccess, DuplicateWindowSpec, TimedRecord } from './stores/duplicate-window-store.js';
export { MemoryDuplicateWindowStore } from './stores/memory-duplicate-window.js';
export { RedisDuplicateWindowStore } from './stores/redis-duplicate-window.js';
export { StoreSerdeError, stateJson } from './stores/state-serde.js';

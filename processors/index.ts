/** The DSL's public names. */
export { streamOf, tableOf, type AppLike, type StreamOptions, type TableOptions } from './builder.js';
export { KStream } from './stream.js';
export { InvalidTimestampError } from './errors.js';
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
export { tumbling, hopping, session, sliding, type WindowDef } from './windows/window-def.js';
export { TestDriver, type TestRecord, type OutputRecord, type InputSerdes } from './testing.js';
export { MemoryKeyValueStore } from './stores/memory-kv.js';
export { json, string, bytes, SerdeError, type Serde } from '../core/serde/index.js';
export type { Rec, Window, Windowed, KeyValueStore, WindowStore, SessionStore } from './types.js';
export { KTable } from './table.js';
export { joinTable, leftJoinTable } from './joins/join-table.js';
export { join, leftJoin, outerJoin, type JoinOptions, type OtherStream } from './joins/join-stream.js';
export { toTable, toStream } from './operators/to-table.js';
export { merge, type MergeSource } from './operators/merge.js';
export { branch } from './operators/branch.js';
export { RedisKeyValueStore, type RedisStoreOptions } from './stores/redis-kv.js';
export { LoggedWindowStore, LoggedSessionStore, type StoreBackendOptions } from './stores/window-stores.js';

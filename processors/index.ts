/** The DSL's public names. */
export { KStream, streamOf, type AppLike, type StreamOptions } from './stream.js';
export { mapValues } from './operators/map-values.js';
export { selectKey } from './operators/select-key.js';
export { flatMapValues } from './operators/flat-map-values.js';
export { peek } from './operators/peek.js';
export { to } from './operators/to.js';
export { groupByKey } from './operators/group-by-key.js';
export { windowed } from './operators/windowed.js';
export { aggregate, count, reduce, type AggregateOptions } from './operators/aggregate.js';
export { tumbling, hopping, session, type WindowDef } from './windows/window-def.js';
export { TestDriver, type TestRecord, type OutputRecord } from './testing.js';
export { MemoryKeyValueStore } from './stores/memory-kv.js';
export { json, string, bytes, SerdeError, type Serde } from '../core/serde/index.js';
export type { Rec, Window, Windowed, KeyValueStore, WindowStore, SessionStore } from './types.js';
export { KTable, tableOf, type TableOptions } from './table.js';
export { joinTable, leftJoinTable } from './joins/join-table.js';
export { join, leftJoin, outerJoin, type JoinOptions, type OtherStream } from './joins/join-stream.js';

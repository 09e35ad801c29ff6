/** The store an operator asked for (Materialized), on the backend it named, registered with its task. */
import type { TaskContext } from '../../core/worker/contracts.js';
import type { Materialized } from './materialized.js';
import { MemoryKeyValueStore, type KeyValueAccess } from './memory-kv.js';
import { MemoryWindowStore } from './memory-window.js';
import { RedisKeyValueStore } from './redis-kv.js';
import { RedisWindowStore } from './redis-window.js';
import type { WindowAccess, WindowStoreSpec } from './window-store.js';
import { MemorySessionStore } from './memory-session.js';
import { RedisSessionStore } from './redis-session.js';
import type { SessionAccess } from './session-store.js';
import type { DuplicateWindowAccess, DuplicateWindowSpec } from './duplicate-window-store.js';
import { MemoryDuplicateWindowStore } from './memory-duplicate-window.js';
import { RedisDuplicateWindowStore } from './redis-duplicate-window.js';

export function keyValueStore<K, V>(ctx: TaskContext, name: string, m: Materialized<K, V> = {}): KeyValueAccess<K, V> {
  return m.backend === 'redis' ? new RedisKeyValueStore<K, V>(ctx, name, m) : new MemoryKeyValueStore<K, V>(ctx, name, m);
}

export function windowStore<K, V>(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: WindowStoreSpec): WindowAccess<K, V> {
  return m.backend === 'redis' ? new RedisWindowStore<K, V>(ctx, name, m, spec) : new MemoryWindowStore<K, V>(ctx, name, m, spec);
}

export function sessionStore<K, V>(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: { retentionMs: number }): SessionAccess<K, V> {
  return m.backend === 'redis' ? new RedisSessionStore<K, V>(ctx, name, m, spec) : new MemorySessionStore<K, V>(ctx, name, m, spec);
}

/** A window store that keeps every record put (Kafka's retainDuplicates): a stream-stream join's buffers. */
export function duplicateWindowStore<K, V>(ctx: TaskContext, name: string, m: Materialized<K, V>, spec: DuplicateWindowSpec): DuplicateWindowAccess<K, V> {
  return m.backend === 'redis' ? new RedisDuplicateWindowStore<K, V>(ctx, name, m, spec) : new MemoryDuplicateWindowStore<K, V>(ctx, name, m, spec);
}

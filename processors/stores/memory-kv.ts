/**
 * In-memory key-value store with a changelog: reads and writes hit a Map; the keys written since
 * the last flush are produced to the changelog when the batch commits, and the store is
 * restored from the changelog when its task starts.
 */
import type { TaskContext } from '../../core/worker/contracts.js';
import type { KeyValueStore } from '../types.js';
import { changelogTopic, logChanges, readChangelog } from './changelog.js';

export class MemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly map = new Map<string, { key: K; value: V }>();
  private readonly dirty = new Set<string>();
  readonly topic: string;

  constructor(
    readonly name: string,
    private readonly ctx: TaskContext,
  ) {
    this.topic = changelogTopic(ctx.appId, name);
  }

  static async open<K, V>(name: string, ctx: TaskContext): Promise<MemoryKeyValueStore<K, V>> {
    const store = new MemoryKeyValueStore<K, V>(name, ctx);
    for (const [k, v] of await readChangelog(ctx, store.topic)) {
      if (v !== null) store.map.set(k, { key: JSON.parse(k) as K, value: JSON.parse(v.toString('utf8')) as V });
    }
    return store;
  }

  get(key: K): V | undefined {
    return this.map.get(JSON.stringify(key))?.value;
  }

  put(key: K, value: V): void {
    const k = JSON.stringify(key);
    this.map.set(k, { key, value });
    this.dirty.add(k);
  }

  delete(key: K): void {
    const k = JSON.stringify(key);
    this.map.delete(k);
    this.dirty.add(k);
  }

  *all(): Iterable<[K, V]> {
    for (const e of this.map.values()) yield [e.key, e.value];
  }

  get size(): number {
    return this.map.size;
  }

  async flush(): Promise<void> {
    const changes: Array<[string, string | null]> = [];
    for (const k of this.dirty) {
      const e = this.map.get(k);
      changes.push([k, e ? JSON.stringify(e.value) : null]);
    }
    this.dirty.clear();
    logChanges(this.ctx, this.topic, changes);
  }

  async close(): Promise<void> {}
}

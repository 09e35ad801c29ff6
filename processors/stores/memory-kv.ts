/**
 * In-memory key-value store with a changelog: reads and writes hit a Map; the keys written since
 * the last flush are produced to the changelog `<app>-<name>-changelog` (through ctx.send, so the
 * worker commits the batch only once they are durable), and `open()` restores the store from the
 * changelog before the task's first batch.
 *
 * Call `flush()` when your operator's batch completes (the `complete` hook of recordOperator), as
 * the built-in aggregations do: records sent then are part of the batch's commit.
 */
import type { TaskContext } from '../../core/worker/contracts.js';
import type { KeyValueStore } from '../types.js';
import { changelogTopic, logChanges, readChangelog } from './changelog.js';
import { registerStore } from './registry.js';

export class MemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly map = new Map<string, { key: K; value: V }>();
  private readonly dirty = new Set<string>();
  readonly topic: string;

  constructor(
    readonly name: string,
    private readonly ctx: TaskContext,
  ) {
    this.topic = changelogTopic(ctx.appId, name);
    // Readable by name from a TestDriver (driver.store(name)).
    registerStore(ctx, name, () => [...this.map.values()].map((e) => [e.key, e.value]));
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

/**
 * What every state store shares: its name and changelog, its serdes, its registration with the
 * task's state manager (restored before the first batch) and with the task's commit (flushed
 * before every commit: changes to the backend and to the changelog), and its entry in the
 * registry a TestDriver reads stores from.
 */
import type { LogRecord } from '../../core/client/types.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import { changelogTopic } from './changelog.js';
import type { Materialized } from './materialized.js';
import { registerStore } from './registry.js';
import { keyCodec, valueCodec, type KeyCodec, type ValueCodec } from './state-serde.js';

export abstract class StoreBase<K, V> {
  readonly name: string;
  /** The compacted changelog topic, undefined when the store does not log. */
  readonly changelog: string | undefined;
  readonly keys: KeyCodec<K>;
  readonly values: ValueCodec<V>;
  /** Changelog records of this batch, produced at flush. */
  private logged: Array<{ key: Buffer | string; value: Buffer | string | null; partition: number }> = [];
  private closed = false;

  protected constructor(
    readonly ctx: TaskContext,
    name: string,
    readonly materialized: Materialized<K, V>,
  ) {
    this.name = name;
    this.changelog = materialized.logging === false ? undefined : changelogTopic(ctx.appId, name);
    this.keys = keyCodec(materialized.key);
    this.values = valueCodec(name, materialized.value);
    ctx.registerStore({
      name,
      changelog: this.changelog,
      beginRestore: () => this.beginRestore(),
      restoreBatch: (records) => this.restoreBatch(records),
      endRestore: () => this.endRestore(),
    });
    ctx.onCommit(() => this.flush());
    ctx.onClose(() => this.close());
    // A TestDriver reads memory stores (synchronously); a Redis store is read in Redis.
    if (materialized.backend !== 'redis') registerStore(ctx, name, () => this.entries());
  }

  /** Queues a changelog record (sent at flush, through the task: durable before the commit). */
  protected log(key: Buffer | string, value: Buffer | string | null): void {
    if (this.changelog !== undefined) this.logged.push({ key, value, partition: this.ctx.partition });
  }

  /** Hands this batch's changelog records to the task. */
  protected sendLog(): void {
    if (this.logged.length === 0 || this.changelog === undefined) return;
    this.ctx.send(this.changelog, this.logged);
    this.logged = [];
  }

  /** Before the changelog is read: forget whatever the backend holds of this task. */
  protected abstract beginRestore(): Promise<void> | void;
  protected abstract restoreBatch(records: LogRecord[]): Promise<void> | void;
  protected endRestore(): Promise<void> | void {}
  /** The contents as [key, value] pairs (TestDriver.store()). */
  abstract entries(): Array<[unknown, unknown]>;
  /** Writes pending changes to the backend and the changelog. Runs before every commit. */
  abstract flush(): Promise<void>;
  protected async release(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }
}

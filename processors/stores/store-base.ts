/**
 * What every state store shares: its name and changelog, its serdes, its registration with the
 * task's state manager (restored before the first batch) and with the task's commit (flushed
 * before every commit: changes to the backend and to the changelog), and its entry in the
 * registry a TestDriver reads stores from.
 */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import { StoreKeyError } from '../../core/worker/errors.js';
import type { QueryableStore, StoreKind, StoreQueryEntry } from '../../core/worker/state-manager.js';
import { changelogTopic } from './changelog.js';
import type { Materialized } from './materialized.js';
import { registerStore } from './registry.js';
import { keyCodec, valueCodec, type KeyCodec, type ValueCodec } from './state-serde.js';

/** An entry as scan() gives it to interactive queries. */
export interface ScannedEntry<K, V> {
  keyText: string;
  key: K;
  value: V;
  window?: { start: number; end: number };
}

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
    // A store over a topic it does not own (a table read from its topic) restores from it and logs nothing.
    this.changelog = materialized.logging === false || materialized.sourceTopic !== undefined ? undefined : changelogTopic(ctx.appId, name);
    this.keys = keyCodec(materialized.key);
    this.values = valueCodec(name, materialized.value);
    ctx.registerStore({
      name,
      changelog: materialized.sourceTopic ?? this.changelog,
      beginRestore: () => this.beginRestore(),
      restoreBatch: (records) => this.restoreBatch(records),
      endRestore: () => this.endRestore(),
      query: this.queryFacet(),
    });
    ctx.onCommit(() => this.flush());
    ctx.onClose(() => this.close());
    // A TestDriver reads memory stores (synchronously); a Redis store is read in Redis.
    if (materialized.backend !== 'redis') registerStore(ctx, name, () => this.entries());
  }

  /**
   * The read side interactive queries use (the management API's /api/stores): every entry is
   * scanned and filtered by its serialized key, which is cheap for the stores a console browses
   * and keeps each store's own code to one scan().
   */
  private queryFacet(): QueryableStore {
    const order = (t: string) => this.keys.bytes(t);
    const parse = (text: string): string => {
      let key: K;
      try {
        // The codec's own parse: JSON.parse for the default serde, the serde's text for text serdes, base64 of the bytes for binary ones.
        key = this.keys.fromText(text);
      } catch (err) {
        throw new StoreKeyError(this.name, text, err instanceof Error ? err.message : String(err));
      }
      return this.keys.text(key);
    };
    const view = (e: ScannedEntry<K, V>): StoreQueryEntry => (e.window ? { key: e.key, value: e.value, window: e.window } : { key: e.key, value: e.value });
    const sorted = (entries: Array<ScannedEntry<K, V>>) => {
      const withBytes = entries.map((e) => ({ e, b: order(e.keyText) }));
      withBytes.sort((x, y) => Buffer.compare(x.b, y.b) || (x.e.window?.start ?? 0) - (y.e.window?.start ?? 0) || (x.e.window?.end ?? 0) - (y.e.window?.end ?? 0));
      return withBytes;
    };
    return {
      kind: this.queryKind(),
      get: async (text) => {
        const t = parse(text);
        return sorted((await this.scan()).filter((e) => e.keyText === t)).map(({ e }) => view(e));
      },
      range: async (from, to, limit) => {
        const lo = from === undefined ? undefined : order(parse(from));
        const hi = to === undefined ? undefined : order(parse(to));
        const out: StoreQueryEntry[] = [];
        for (const { e, b } of sorted(await this.scan())) {
          if (out.length >= limit) break;
          if ((lo && Buffer.compare(b, lo) < 0) || (hi && Buffer.compare(b, hi) > 0)) continue;
          out.push(view(e));
        }
        return out;
      },
    };
  }

  /** What kind of store this is, for interactive queries. */
  protected abstract queryKind(): StoreKind;
  /** Every live entry, with its key text (and window, for windowed stores). */
  protected abstract scan(): Promise<Array<ScannedEntry<K, V>>> | Array<ScannedEntry<K, V>>;

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
  /** A run of changelog records (the whole run is the store's to read; see RestorableStore.restoreBatch). */
  protected abstract restoreBatch(records: RecordCursor): Promise<void> | void;
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

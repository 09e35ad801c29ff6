/**
 * KTable: a topic read as a changelog — the latest value per key, a null value deleting the key.
 * A table is used through joins (`joinTable`): its topic becomes an input of the joining
 * pipeline, so it must be co-partitioned with the stream; within a task its updates and the
 * stream's records are applied in timestamp order. The topic itself is the table's changelog:
 * when a task starts, its partition is read from the beginning to rebuild the table's store
 * (memory or Redis, `store`).
 */
import { InvalidConfigError } from '../core/errors.js';
import { json, type Serde } from '../core/serde/serde.js';
import type { InputRecord, TaskContext } from '../core/worker/contracts.js';
import { tableJoinOperator, type TableJoinType } from './joins/join-tables.js';
import type { Materialized } from './stores/materialized.js';
import type { KeyValueAccess } from './stores/memory-kv.js';
import { keyValueStore } from './stores/open.js';
import { streamOf, type AppLike, type KStream } from './stream.js';

export interface TableOptions<K, V> {
  key?: Serde<K>;
  value?: Serde<V>;
  /**
   * The store each joining processor reads the table from (Kafka's Materialized for a source
   * table): its name (default the topic), backend (memory or Redis), Redis client/url/prefix. It is
   * restored from the table's topic, which is its changelog: it logs nothing of its own.
   */
  store?: Pick<Materialized, 'name' | 'backend' | 'redis' | 'url' | 'prefix'>;
}

export class KTable<K, V> {
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly store: Pick<Materialized, 'name' | 'backend' | 'redis' | 'url' | 'prefix'>;
  /** Its store's name in each task: `store.name`, else the topic. */
  readonly storeName: string;

  constructor(
    readonly topic: string,
    opts: TableOptions<K, V> = {},
    private readonly app?: AppLike,
  ) {
    this.keySerde = opts.key ?? (json() as Serde<K>);
    this.valueSerde = opts.value ?? (json() as Serde<V>);
    this.store = opts.store ?? {};
    this.storeName = this.store.name ?? topic;
  }

  /** Inner table-table join: a stream of the joined table's updates (null when a row goes away). */
  join<R, O>(other: KTable<K, R>, joiner: (left: V, right: R) => O): KStream<K, O | null> {
    return this.joinWith(other, joiner as (l: V | null, r: R | null) => O, 'inner');
  }

  leftJoin<R, O>(other: KTable<K, R>, joiner: (left: V, right: R | null) => O): KStream<K, O | null> {
    return this.joinWith(other, joiner as (l: V | null, r: R | null) => O, 'left');
  }

  outerJoin<R, O>(other: KTable<K, R>, joiner: (left: V | null, right: R | null) => O): KStream<K, O | null> {
    return this.joinWith(other, joiner, 'outer');
  }

  private joinWith<R, O>(other: KTable<K, R>, joiner: (l: V | null, r: R | null) => O, type: TableJoinType): KStream<K, O | null> {
    if (!this.app) throw new InvalidConfigError('table joins need a table made by app.table(...)');
    return streamOf<K, V>(this.app, this.topic, { key: this.keySerde, value: this.valueSerde }).pipe(tableJoinOperator(this, other, joiner, type));
  }
}

/**
 * A topic read as a table. `tableOf(app, topic, opts)` (also `app.table(topic, opts)`); the
 * older form `tableOf(topic, opts, app?)` still works.
 */
export function tableOf<K = unknown, V = unknown>(app: AppLike, topic: string, opts?: TableOptions<K, V>): KTable<K, V>;
export function tableOf<K = unknown, V = unknown>(topic: string, opts?: TableOptions<K, V>, app?: AppLike): KTable<K, V>;
export function tableOf<K, V>(a: AppLike | string, b?: string | TableOptions<K, V>, c?: TableOptions<K, V> | AppLike): KTable<K, V> {
  if (typeof a === 'string') return new KTable<K, V>(a, (b as TableOptions<K, V> | undefined) ?? {}, c as AppLike | undefined);
  return new KTable<K, V>(b as string, (c as TableOptions<K, V> | undefined) ?? {}, a);
}

/**
 * A table's rows in one task, in a key-value store (memory or Redis, as the table's `store` says)
 * restored from the table's own topic (Kafka's source-topic changelog: the store logs nothing).
 * Each joining processor keeps its own, so a processor that holds its batch for a Redis load
 * sees the table as of each of its records' times.
 */
export function tableStore<K, V>(ctx: TaskContext, table: KTable<K, V>): KeyValueAccess<K, V> {
  const m = table.store;
  return keyValueStore<K, V>(ctx, table.storeName, { ...m, key: table.keySerde, value: rowsSerde(ctx, table), sourceTopic: table.topic, logging: false });
}

/**
 * The table's value serde as its store reads rows: a row that does not deserialize is no row,
 * with a warning naming the table, instead of an error. The store keeps rows as their topic's bytes
 * and decodes one when it is read (a restore decodes nothing), so the error would otherwise fall on
 * the stream record that looks the row up — dead-lettering a record that is not malformed, or on
 * Redis failing the batch's load. A malformed row that arrives while the app runs is dead-lettered
 * itself (applyTableRecord), and the row it would have replaced stays, as Kafka Streams skips a
 * record its deserialization handler lets through.
 */
function rowsSerde<K, V>(ctx: TaskContext, table: KTable<K, V>): Serde<V> {
  const serde = table.valueSerde;
  return {
    serialize: (v) => serde.serialize(v),
    serializeText: serde.serializeText?.bind(serde),
    deserialize: (b) => {
      try {
        return serde.deserialize(b);
      } catch (err) {
        ctx.logger.warn(`table ${table.topic}: a row that does not deserialize is read as no row (${(err as Error).message})`);
        return undefined as V;
      }
    },
  };
}

/** Applies a record of the table's topic to its store (a null value deletes the row); returns its key, or undefined for a record without one. */
export function applyTableRecord<K, V>(store: KeyValueAccess<K, V>, table: KTable<K, V>, r: InputRecord): K | undefined {
  if (r.key === null) return undefined;
  const key = table.keySerde.deserialize(r.key);
  if (r.value === null) store.deleteText(store.keyText(key));
  else store.putText(store.keyText(key), key, table.valueSerde.deserialize(r.value));
  return key;
}

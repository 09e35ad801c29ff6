/**
 * KTable: a topic read as a changelog — the latest value per key, a null value deleting the key.
 * A table is used through joins (`joinTable`): its topic becomes an input of the joining
 * pipeline, so it must be co-partitioned with the stream; within a task its updates and the
 * stream's records are applied in timestamp order. The topic itself is the table's changelog:
 * when a task starts, its partition is read from the beginning to rebuild the table.
 */
import { InvalidConfigError } from '../core/errors.js';
import { json, type Serde } from '../core/serde/serde.js';
import type { InputRecord, TaskContext } from '../core/worker/contracts.js';
import { tableJoinOperator, type TableJoinType } from './joins/join-tables.js';
import { readChangelog } from './stores/changelog.js';
import { streamOf, type AppLike, type KStream } from './stream.js';
import type { TaskBinding } from './topology/node.js';

export interface TableOptions<K, V> {
  key?: Serde<K>;
  value?: Serde<V>;
}

export class KTable<K, V> {
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;

  constructor(
    readonly topic: string,
    opts: TableOptions<K, V> = {},
    private readonly app?: AppLike,
  ) {
    this.keySerde = opts.key ?? (json() as Serde<K>);
    this.valueSerde = opts.value ?? (json() as Serde<V>);
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

/** The state of one table in one task: key (as JSON) → value. */
export class TableState<K, V> {
  readonly rows = new Map<string, V>();

  constructor(readonly table: KTable<K, V>) {}

  /** Applies one changelog record; a record that does not deserialize is skipped (returns the error). */
  apply(key: Buffer | null, value: Buffer | null): void {
    if (key === null) return;
    const k = JSON.stringify(this.table.keySerde.deserialize(key));
    if (value === null) this.rows.delete(k);
    else this.rows.set(k, this.table.valueSerde.deserialize(value));
  }

  applyRecord(r: InputRecord): void {
    this.apply(r.key, r.value);
  }

  get(key: K): V | undefined {
    return this.rows.get(JSON.stringify(key));
  }
}

/**
 * The task's copy of a table, kept once per task however many processors read it: its topic is
 * a side input of the sub-topology, and its partition is read from the start before the first batch.
 */
export function tableStateOf<K, V>(t: TaskBinding, table: KTable<K, V>): TableState<K, V> {
  return t.shared(table, () => {
    const state = new TableState(table);
    t.onSideInput(table.topic, (r) => state.applyRecord(r));
    t.waitFor(restoreTable(t.ctx, state));
    return state;
  });
}

/** A table's topic is its changelog: its partition is read from the start when the task opens. */
async function restoreTable<K, V>(ctx: TaskContext, state: TableState<K, V>): Promise<void> {
  const topic = state.table.topic;
  for (const [k, v] of await readChangelog(ctx, topic)) {
    try {
      state.apply(Buffer.from(k, 'utf8'), v);
    } catch (err) {
      ctx.logger.warn('table row skipped on restore: it does not deserialize', { topic, error: String(err) });
    }
  }
}

/**
 * KStream: typed records of one or more (co-partitioned) topics, piped through RxJS and Sluice
 * operators. `pipe()` turns the chain into the worker's PipelineDefinitions:
 * - a key change (`groupByKey(fn)`) splits the chain: records are written to the internal topic
 *   `<app>-<name>-repartition`, keyed by the new key, and the rest of the chain reads that topic,
 *   so one key is always processed by one task;
 * - `windowed(def)` binds the window to the next aggregation;
 * - stateful operators get their store names (and compacted changelog topics) from their position;
 * - `to(topic)` registers its topic as an output.
 */
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import type { InputRecord, PipelineDefinition, TaskContext } from '../core/worker/contracts.js';
import { CHANGELOG_CONFIG, readChangelog } from './stores/changelog.js';
import { afterRestore, recordOperator } from './operator.js';
import { recordDecoder, type DecodeOptions, type RecordDecoder } from './record-decoder.js';
import { repartitionDecoder, repartitionSender, type RepartitionSerdes } from './repartition.js';
import { TableState, type KTable } from './table.js';
import { metaOf, type BindContext } from './sluice-op.js';
import { callInTask, withTask } from './task-scope.js';
import type { Rec } from './types.js';
import type { WindowDef } from './windows/window-def.js';

export interface AppLike {
  readonly id: string;
  addPipeline(def: PipelineDefinition): void;
}

/** Serdes of the topic (JSON by default) and where event time comes from. */
export type StreamOptions<K, V> = DecodeOptions<K, V>;

const counters = new WeakMap<AppLike, number>();

/** The first operator of every pipeline: stored records to typed records (failures to the error policy). */
function deserializer<K, V>(ctx: TaskContext, decode: RecordDecoder<K, V>): OperatorFunction<InputRecord, Rec<K, V>> {
  return recordOperator<InputRecord, Rec<K, V>>(ctx, { next: (r, emit) => emit(decode(r)) });
}

export class KStream<K, V> {
  constructor(
    private readonly app: AppLike,
    private readonly topics: string[],
    private readonly opts: StreamOptions<K, V> = {},
    /** Operators that come first (a table-table join's). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly head: Array<OperatorFunction<any, any>> = [],
  ) {}

  /** Registers the pipeline(s) that run this chain. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  pipe(...userOps: Array<OperatorFunction<any, any>>): void {
    const ops = [...this.head, ...userOps];
    const n = counters.get(this.app) ?? 0;
    counters.set(this.app, n + 1);
    const base = `${this.topics.join('+').replace(/[^a-zA-Z0-9._-]/g, '_')}-${n}`;
    // Split the chain at key changes.
    const segments: Array<{ ops: Array<OperatorFunction<unknown, unknown>>; repartition?: { topic: string; key: (r: Rec) => unknown; serdes: RepartitionSerdes } }> = [{ ops: [] }];
    for (const op of ops) {
      const meta = metaOf(op);
      if (meta?.kind === 'repartition') {
        const name = meta.name ?? `${base}-${segments.length}`;
        segments[segments.length - 1]!.repartition = { topic: `${this.app.id}-${name}-repartition`, key: meta.key as (r: Rec) => unknown, serdes: meta.serdes };
        segments.push({ ops: [] });
      } else segments[segments.length - 1]!.ops.push(op);
    }
    segments.forEach((seg, i) => {
      const name = i === 0 ? base : `${base}-${i}`;
      const inputs = i === 0 ? this.topics : [segments[i - 1]!.repartition!.topic];
      const outputs: string[] = [];
      const changelogs: string[] = [];
      const tables: Array<KTable<unknown, unknown>> = [];
      const joinTopics: string[] = [];
      let window: WindowDef | undefined;
      let upstreamWindow: WindowDef | undefined;
      const binds: Array<BindContext | null> = seg.ops.map((op, j) => {
        const meta = metaOf(op);
        if (meta?.kind === 'output') outputs.push(meta.topic);
        if (meta?.kind === 'branch') outputs.push(...meta.outputs);
        if (meta?.kind === 'table-join' && !tables.includes(meta.table)) tables.push(meta.table);
        if (meta?.kind === 'windowed') window = meta.window;
        if (meta?.kind === 'stream-join' || meta?.kind === 'side-input') joinTopics.push(meta.topic);
        if (meta?.kind !== 'stateful' && meta?.kind !== 'stream-join') return null;
        const bind: BindContext = { appId: this.app.id, name: meta.storeName ?? `${name}-store-${j}`, window, upstreamWindow };
        upstreamWindow = window;
        window = undefined;
        changelogs.push(...meta.stores(bind));
        return bind;
      });
      const decode = (i === 0 ? recordDecoder(this.opts) : repartitionDecoder(segments[i - 1]!.repartition!.serdes)) as RecordDecoder<unknown, unknown>;
      this.app.addPipeline({
        name,
        inputs: [...inputs, ...[...tables.map((t) => t.topic), ...joinTopics].filter((t) => !inputs.includes(t))],
        // Joins and table lookups need a key in the same partition of each input; a stream that
        // only reads several topics does not (Kafka Streams' rule).
        copartitioned: tables.length + joinTopics.length > 0,
        outputs,
        internalTopics: [
          ...changelogs.map((t) => ({ name: t, partitions: 'inputs' as const, config: CHANGELOG_CONFIG })),
          ...(seg.repartition ? [{ name: seg.repartition.topic, partitions: 'inputs' as const }] : []),
        ],
        build: (ctx) => {
          const tableStates = new Map(tables.map((t) => [t.topic, new TableState(t)]));
          // Records of side inputs (tables, the right side of joins) bypass the chain.
          const side = new Map<string, (r: InputRecord) => void>();
          for (const [topic, state] of tableStates) side.set(topic, (r) => state.applyRecord(r));
          const restores: Array<Promise<void>> = [restoreTables(ctx, tableStates)];
          const runtime: Array<OperatorFunction<unknown, unknown>> = [];
          seg.ops.forEach((op, j) => {
            const meta = metaOf(op);
            if (meta?.kind === 'windowed') return;
            if (meta?.kind === 'stateful') runtime.push(meta.bind(binds[j]!, ctx) as OperatorFunction<unknown, unknown>);
            else if (meta?.kind === 'table-join') runtime.push(meta.bind(ctx, tableStates.get(meta.table.topic)!) as OperatorFunction<unknown, unknown>);
            else if (meta?.kind === 'stream-join') {
              const j2 = meta.bind(binds[j]!, ctx);
              side.set(meta.topic, (r) => j2.runtime.onRight(r));
              restores.push(j2.runtime.restore());
              runtime.push(j2.op as OperatorFunction<unknown, unknown>);
            } else if (meta?.kind === 'side-input') {
              const m = meta.bind(ctx);
              side.set(meta.topic, m.onRecord);
              if (m.restore) restores.push(m.restore);
              runtime.push(m.op as OperatorFunction<unknown, unknown>);
            } else runtime.push(op);
          });
          if (seg.repartition) runtime.push(repartitionSender(ctx, seg.repartition.topic, seg.repartition.key, seg.repartition.serdes) as OperatorFunction<unknown, unknown>);
          const deser = deserializer(ctx, decode) as OperatorFunction<InputRecord, unknown>;
          const chain = (src: Observable<InputRecord>) => withTask(ctx, () => runtime.reduce((s, f) => f(s), deser(src)));
          if (side.size === 0) return chain;
          return afterRestore(Promise.all(restores), (src) => routeSideInputs(ctx, src, side, chain));
        },
      });
    });
  }
}

/** A table's topic is its changelog: its partition is read from the start when the task opens. */
async function restoreTables(ctx: TaskContext, tables: Map<string, TableState<unknown, unknown>>): Promise<void> {
  for (const [topic, state] of tables) {
    for (const [k, v] of await readChangelog(ctx, topic)) {
      try {
        state.apply(Buffer.from(k, 'utf8'), v);
      } catch (err) {
        ctx.logger.warn('table row skipped on restore: it does not deserialize', { topic, error: String(err) });
      }
    }
  }
}

/**
 * Applies side-input records (table updates, the right side of stream joins) and passes stream
 * records on, one record at a time in the batch's order (the worker merges a task's inputs by
 * timestamp), so a record sees the table or the other side as of its time.
 */
function routeSideInputs(
  ctx: TaskContext,
  src: Observable<InputRecord>,
  side: Map<string, (r: InputRecord) => void>,
  chain: (s: Observable<InputRecord>) => Observable<unknown>,
): Observable<unknown> {
  return new Observable((subscriber) => {
    const stream = new Subject<InputRecord>();
    const inner = chain(stream).subscribe(subscriber);
    const pending: Promise<unknown>[] = [];
    // Records come in runs of one topic: the last lookup is kept.
    let lastTopic: string | undefined;
    let lastApply: ((r: InputRecord) => void) | undefined;
    const outer = src.subscribe({
      next(r) {
        if (r.topic !== lastTopic) {
          lastTopic = r.topic;
          lastApply = side.get(r.topic);
        }
        const apply = lastApply;
        if (!apply) return stream.next(r);
        try {
          callInTask(ctx, apply, r);
        } catch (err) {
          pending.push(ctx.handleError(r, err));
        }
      },
      error: (e) => stream.error(e),
      complete: () => void Promise.all(pending).then(() => stream.complete(), (e) => stream.error(e)),
    });
    return () => {
      outer.unsubscribe();
      inner.unsubscribe();
    };
  });
}

export function streamOf<K = unknown, V = unknown>(app: AppLike, topic: string | string[], opts: StreamOptions<K, V> = {}): KStream<K, V> {
  return new KStream<K, V>(app, Array.isArray(topic) ? topic : [topic], opts);
}

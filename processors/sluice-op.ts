/**
 * Operators that shape the topology rather than just transform records carry a description that
 * KStream.pipe() reads when it builds the pipelines: a key change that needs a repartition topic,
 * a window definition for the next aggregation, an aggregation that needs a state store and its
 * changelog, an output topic. Outside pipe() they cannot run.
 */
import type { OperatorFunction } from 'rxjs';
import type { InputRecord, TaskContext } from '../core/worker/contracts.js';
import type { WindowDef } from './windows/window-def.js';
import type { KTable, TableState } from './table.js';
import type { StreamJoinRuntime } from './joins/join-stream.js';
import type { RepartitionSerdes } from './repartition.js';

export interface BindContext {
  appId: string;
  /** Stable name of this operator within the app (store names derive from it). */
  name: string;
  window?: WindowDef;
  /** The window of the aggregation just before this operator (what suppress(untilWindowCloses()) waits for). */
  upstreamWindow?: WindowDef;
}

export type OpMeta =
  | { kind: 'repartition'; key: (rec: never) => unknown; name?: string; serdes: RepartitionSerdes }
  | { kind: 'windowed'; window: WindowDef }
  | { kind: 'output'; topic: string }
  | { kind: 'branch'; outputs: string[] }
  | {
      kind: 'stream-join';
      /** The right stream's topic (an extra input of the pipeline). */
      topic: string;
      storeName?: string;
      stores(bind: BindContext): string[];
      bind(bind: BindContext, ctx: TaskContext): { op: OperatorFunction<never, unknown>; runtime: StreamJoinRuntime };
    }
  | {
      kind: 'side-input';
      /** Records of this topic enter the chain at this operator. */
      topic: string;
      bind(ctx: TaskContext): { op: OperatorFunction<never, unknown>; onRecord(r: InputRecord): void; restore?: Promise<void> };
    }
  | {
      kind: 'table-join';
      table: KTable<unknown, unknown>;
      /** The operator for a task, reading the task's copy of the table. */
      bind(ctx: TaskContext, state: TableState<unknown, unknown>): OperatorFunction<never, unknown>;
    }
  | {
      kind: 'stateful';
      /** Changelog topics this operator writes (compacted, partitions = inputs). */
      stores(bind: BindContext): string[];
      /** The operator for a task. */
      bind(bind: BindContext, ctx: TaskContext): OperatorFunction<never, unknown>;
      storeName?: string;
    };

export type SluiceOperator<I, O> = OperatorFunction<I, O> & { meta?: OpMeta };

export function markOperator<I, O>(meta: OpMeta, runtime?: OperatorFunction<I, O>): SluiceOperator<I, O> {
  const op = (runtime ??
    (() => {
      throw new Error(`this Sluice operator (${meta.kind}) only works inside KStream.pipe()`);
    })) as SluiceOperator<I, O>;
  op.meta = meta;
  return op;
}

export function metaOf(op: unknown): OpMeta | undefined {
  return (op as { meta?: OpMeta }).meta;
}

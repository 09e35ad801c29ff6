/**
 * A node of the topology, as Kafka Streams' graph nodes: every Sluice operator carries one, and
 * `writeToTopology` says what the operator adds where the chain has got to — processors (each
 * bound to a task when the task opens), the stores they use (with their changelog topics), the
 * topics they read besides the chain's own (joins, tables, merge), the topics they write, or a
 * key change that ends the sub-topology in a repartition topic. `KStream.pipe` only walks the
 * chain and hands each node a NodeBuilder, so a new operator is one new file and nothing else
 * changes.
 *
 * A plain RxJS operator (filter, map, …) becomes a processor node of kind `operator`.
 */
import type { OperatorFunction } from 'rxjs';
import type { InputRecord, TaskContext } from '../../core/worker/contracts.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { RecordDecoder } from '../record-decoder.js';
import type { SourceValues } from '../source-values.js';
import type { WindowDef } from '../windows/window-def.js';

/** What a processor gets when its task opens (once per task; what it creates lives as long as the task). */
export interface TaskBinding {
  readonly ctx: TaskContext;
  /**
   * Records of `topic` (an input this node declared) go to `apply` instead of down the chain, in
   * the task's timestamp order among the chain's own records.
   */
  onSideInput(topic: string, apply: (r: InputRecord) => void): void;
  /** The task's first batch waits for this (a store's or a table's restore). */
  waitFor(ready: Promise<unknown>): void;
  /** One value per task for `key` (a table read by several joins of a sub-topology is kept once). */
  shared<T>(key: object, init: () => T): T;
  /** Whether an operator of the sub-topology reads the source's values (else the source leaves them undecoded). */
  readonly valuesRead: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOperator = OperatorFunction<any, any>;

/** Makes a processor's operator for one task. */
export type Bind = (t: TaskBinding) => AnyOperator;

export interface ProcessorOptions {
  /** State stores the processor uses (declared with `store()` first). */
  stores?: string[];
  /** Topics whose records the processor takes through `onSideInput` (co-partitioned with the chain's). */
  inputs?: string[];
  /**
   * The processor never reads its records' values, and what it emits carries none of them (a
   * count): when no other operator reads them, the source leaves values undecoded.
   */
  valueUnread?: boolean;
}

/** A chain of operators run inside a processor of their own (branch): stateless operators only. */
export interface InlineChain {
  bind(t: TaskBinding): AnyOperator;
}

/** What a node may add to the topology at its place in the chain (Kafka Streams' InternalTopologyBuilder, narrowed). */
export interface NodeBuilder {
  readonly appId: string;
  /** This node's name: `named('…')`, or a default from its place in its own chain and its kind. */
  readonly name: string;
  /** Adds a processor after the chain's current node; the chain continues from it. */
  processor(bind: Bind, opts?: ProcessorOptions): void;
  /** Declares a state store logged to the compacted changelog `<app>-<store>-changelog`; returns that topic. */
  store(name: string): string;
  /**
   * Where the values of the records this node gets were read from, when it follows the stream's
   * source directly (source-values.ts): call the result when the task binds; undefined when the
   * node is not the source's only child then, or the source cannot tell.
   */
  sourceValues?(): () => SourceValues | undefined;
  /** Ends the chain in `topic` (created before start if missing); `bind` writes the records. */
  sink(topic: string, bind: Bind): void;
  /**
   * A key change: `bind` writes each record to the internal topic under its new key, which ends
   * the sub-topology; a new one reads the topic (records through `decode`) and the chain goes on there.
   */
  repartition(topic: string, bind: Bind, decode: RecordDecoder<unknown, unknown>): void;
  /** The window the next aggregation runs over (`windowed(def)` sets it, the aggregation takes it). */
  setWindow(window: WindowDef): void;
  /** Takes the window for an aggregation; its results are then windowed by it (`upstreamWindow` downstream). */
  takeWindow(): WindowDef | undefined;
  /** The window of the last aggregation before this node (what suppress(untilWindowCloses()) waits for). */
  readonly upstreamWindow: WindowDef | undefined;
  /** Builds `ops` as a chain that the processor added last runs itself (branch); described as its successors. */
  inline(label: string, ops: AnyOperator[]): InlineChain;
}

export interface TopologyNode {
  /** Part of default names: `count`, `map-values`, `group-by-key`, … */
  readonly kind: string;
  /** Set by `named('…')`. */
  readonly name?: string;
  /** Keeps no state and reads no other topic: may run inside a branch. */
  readonly stateless?: boolean;
  /** Adds the operator to the topology (Kafka Streams' GraphNode#writeToTopology). */
  writeToTopology(b: NodeBuilder): void;
}

/**
 * An RxJS operator function that knows its topology node. Outside `pipe()` it runs its `runtime`,
 * if it has one. (An interface, not an intersection: TypeScript infers an operator's type
 * parameters from the chain before it only through an interface.)
 */
export interface SluiceOperator<I, O> extends OperatorFunction<I, O> {
  readonly node: TopologyNode;
}

export function sluiceOperator<I, O>(node: TopologyNode, runtime?: OperatorFunction<I, O>): SluiceOperator<I, O> {
  const op = (runtime ??
    (() => {
      throw new InvalidConfigError(`the Sluice operator ${node.kind} only works inside a stream's pipe(...)`);
    })) as OperatorFunction<I, O> & { node: TopologyNode };
  op.node = node;
  return op as SluiceOperator<I, O>;
}

export function nodeOf(op: unknown): TopologyNode | undefined {
  return (op as { node?: TopologyNode }).node;
}

/** A plain RxJS operator, applied to the chain's records in the task's scope (currentTask() works inside it). */
export function operatorNode(op: AnyOperator, kind = 'operator'): TopologyNode {
  return {
    kind,
    stateless: true,
    writeToTopology: (b) => b.processor(() => op),
  };
}

/** A processor node over one operator per task (what most operators are). */
export function processorNode(kind: string, bind: (t: TaskBinding, name: string) => AnyOperator, opts: { stateless?: boolean } = {}): TopologyNode {
  return {
    kind,
    stateless: opts.stateless ?? true,
    writeToTopology: (b) => {
      const name = b.name;
      b.processor((t) => bind(t, name));
    },
  };
}

const NAME = /^[a-zA-Z0-9._-]{1,200}$/;

/**
 * Names an operator (Kafka Streams' `Named.as`): its processor in `describe()`, and whatever the
 * operator names after itself unless told otherwise (a store and its changelog topic, a
 * repartition topic). A name stays put however the rest of the app changes.
 *
 *   pipe(named('drop-idle', filter((r) => r.value.action !== 'idle')), named('per-user', count()))
 */
export function named<Op extends AnyOperator>(name: string, op: Op): Op {
  if (!NAME.test(name)) throw new InvalidConfigError(`named("${name}"): a name may use ASCII letters, digits, ".", "_" and "-" (it can become part of a topic name)`);
  const node = nodeOf(op) ?? operatorNode(op);
  const renamed: TopologyNode = Object.create(node, { name: { value: name, enumerable: true } });
  const out = ((source: never) => op(source)) as unknown as Op & { node: TopologyNode };
  out.node = renamed;
  return out;
}

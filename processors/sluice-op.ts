/**
 * What operators with a state store share: the context their per-task state is made in, and the
 * node of a processor that keeps one store (aggregations, toTable, statefulOperator). The
 * topology's node contract itself is processors/topology/node.ts.
 */
import type { TaskContext } from '../core/worker/contracts.js';
import type { WindowDef } from './windows/window-def.js';
import type { AnyOperator, TaskBinding, TopologyNode } from './topology/node.js';

export { sluiceOperator, nodeOf, named, type SluiceOperator, type TopologyNode, type NodeBuilder, type TaskBinding } from './topology/node.js';

export interface BindContext {
  appId: string;
  /** The store's name (its changelog is `<app>-<name>-changelog`). */
  name: string;
  /** The window set by `windowed(def)` just before the operator. */
  window?: WindowDef;
  /** The window of the aggregation just before this operator (what suppress(untilWindowCloses()) waits for). */
  upstreamWindow?: WindowDef;
}

export interface StoreNodeOptions {
  /** The store's name; by default the node's (named('…') or its place in the chain). */
  storeName?: string;
  /** Checks made when the pipeline is defined, so an app fails before it starts. */
  check?(b: BindContext): void;
  /** The operator for one task. */
  bind(b: BindContext, ctx: TaskContext, t: TaskBinding): AnyOperator;
  /** The processor reads no record's value and emits none (ProcessorOptions.valueUnread: a count). */
  valueUnread?: boolean;
}

/** A processor with one changelogged store, taking the window `windowed(def)` set before it. */
export function storeNode(kind: string, opts: StoreNodeOptions): TopologyNode {
  return {
    kind,
    writeToTopology(b) {
      const upstreamWindow = b.upstreamWindow;
      const bind: BindContext = { appId: b.appId, name: opts.storeName ?? b.name, window: b.takeWindow(), upstreamWindow };
      opts.check?.(bind);
      b.store(bind.name);
      b.processor((t) => opts.bind(bind, t.ctx, t), { stores: [bind.name], valueUnread: opts.valueUnread });
    },
  };
}

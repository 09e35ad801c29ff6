/**
 * Records per topology node, as Kafka Streams' process-total per processor node:
 * `sluice_node_records_total{pipeline,node}` counts the records that entered each node of the
 * app's TopologyDescription (all tasks of a pipeline add to one series). The DSL's task runtime
 * counts its nodes (processors/topology/node-counter.ts); a pipeline built without the DSL is
 * described as source → one processor → a sink per output topic, and its task counts those from
 * each batch (PlainNodeCounts). /metrics, the management API's topology and its live stream read them.
 */
import type { Metrics, PipelineDefinition } from './contracts.js';

export const NODE_RECORDS = 'sluice_node_records_total';
const HELP = 'records that entered a topology node (source, processor or sink)';

export type NodeCount = { inc(by?: number): void };

export function nodeCounter(metrics: Metrics, pipeline: string, node: string): NodeCount {
  return metrics.counter(NODE_RECORDS, HELP, { pipeline, node });
}

/** The nodes of a pipeline without the DSL's description (names as describePipelines gives them), counted per batch. */
export class PlainNodeCounts {
  private readonly source: NodeCount;
  private readonly processor: NodeCount;
  private readonly sinks = new Map<string, NodeCount>();

  constructor(metrics: Metrics, def: PipelineDefinition) {
    this.source = nodeCounter(metrics, def.name, `${def.name}-source`);
    this.processor = nodeCounter(metrics, def.name, def.name);
    for (const topic of def.outputs ?? []) this.sinks.set(topic, nodeCounter(metrics, def.name, `${def.name}-sink-${topic}`));
  }

  /** A batch of `n` records entered the pipeline. */
  batch(n: number): void {
    this.source.inc(n);
    this.processor.inc(n);
  }

  /** The batch produced `n` records to `topic` (counted if it is a declared output). */
  sent(topic: string, n: number): void {
    this.sinks.get(topic)?.inc(n);
  }
}

/**
 * What an app runs, as Kafka Streams' TopologyDescription: sub-topologies (one per pipeline: its
 * tasks and consumer group) made of source, processor and sink nodes, with the stores each
 * processor uses. Each sub-topology also lists its repartition and changelog topics (Kafka Streams
 * keeps those in its TopicsInfo; here they sit next to the nodes so one call shows everything).
 *
 * `toString()` prints exactly as Kafka Streams' `Topology#describe().toString()` does, so tools
 * that draw a Kafka Streams topology from that text (e.g. the kafka-streams-viz page) read it.
 */
import type { PipelineDefinition } from './contracts.js';

export interface SourceNodeDescription {
  type: 'source';
  name: string;
  topics: string[];
  successors: string[];
}

export interface ProcessorNodeDescription {
  type: 'processor';
  name: string;
  stores: string[];
  successors: string[];
  predecessors: string[];
}

export interface SinkNodeDescription {
  type: 'sink';
  name: string;
  topic: string;
  predecessors: string[];
}

export type NodeDescription = SourceNodeDescription | ProcessorNodeDescription | SinkNodeDescription;

/** A sub-topology as the pipeline that runs it describes itself (see PipelineDefinition.describe). */
export interface SubtopologyNodes {
  nodes: NodeDescription[];
  repartitionTopics: string[];
  changelogTopics: string[];
}

export interface SubtopologyDescription extends SubtopologyNodes {
  id: number;
  /** The pipeline's name: its tasks are `<name>-<partition>`, its consumer group `<app>.<name>`. */
  pipeline: string;
}

export class TopologyDescription {
  constructor(readonly subtopologies: SubtopologyDescription[]) {}

  /** Every store name, every repartition topic and every changelog topic of the app. */
  get stores(): string[] {
    return unique(this.subtopologies.flatMap((s) => s.nodes.flatMap((n) => (n.type === 'processor' ? n.stores : []))));
  }

  get repartitionTopics(): string[] {
    return unique(this.subtopologies.flatMap((s) => s.repartitionTopics));
  }

  get changelogTopics(): string[] {
    return unique(this.subtopologies.flatMap((s) => s.changelogTopics));
  }

  toJSON(): { subtopologies: SubtopologyDescription[] } {
    return { subtopologies: this.subtopologies };
  }

  /** Kafka Streams' text form, character for character. */
  toString(): string {
    let out = 'Topologies:\n ';
    for (const s of this.subtopologies) {
      out += '  ';
      out += `Sub-topology: ${s.id}\n`;
      for (const n of sortNodes(s.nodes)) out += `    ${nodeText(n)}\n`;
      out += '\n';
    }
    return out;
  }
}

const unique = (xs: string[]) => [...new Set(xs)];

const names = (xs: string[]) => (xs.length === 0 ? 'none' : xs.join(', '));

function nodeText(n: NodeDescription): string {
  switch (n.type) {
    case 'source':
      return `Source: ${n.name} (topics: [${n.topics.join(', ')}])\n      --> ${names(n.successors)}`;
    case 'processor':
      return `Processor: ${n.name} (stores: [${n.stores.join(', ')}])\n      --> ${names(n.successors)}\n      <-- ${names(n.predecessors)}`;
    case 'sink':
      return `Sink: ${n.name} (topic: ${n.topic})\n      <-- ${names(n.predecessors)}`;
  }
}

/**
 * Kafka Streams' node order: by the size of the node's sub-tree (itself and everything
 * downstream), largest first, then by name. Sources come first, sinks last.
 */
function sortNodes(nodes: NodeDescription[]): NodeDescription[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const sizes = new Map<string, number>();
  const size = (name: string, seen: Set<string>): number => {
    const known = sizes.get(name);
    if (known !== undefined) return known;
    const n = byName.get(name);
    if (!n || seen.has(name)) return 0;
    seen.add(name);
    let s = 1;
    if (n.type !== 'sink') for (const c of n.successors) s += size(c, seen);
    sizes.set(name, s);
    return s;
  };
  for (const n of nodes) size(n.name, new Set());
  return [...nodes].sort((a, b) => sizes.get(b.name)! - sizes.get(a.name)! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The description of an app's pipelines, numbered in the order they were added. */
export function describePipelines(defs: PipelineDefinition[]): TopologyDescription {
  return new TopologyDescription(defs.map((def, id) => ({ id, pipeline: def.name, ...(def.describe?.() ?? plainDescription(def)) })));
}

/**
 * A pipeline built without the DSL (a sink connector's, your own): a source of its inputs, one
 * processor doing everything, and a sink per output topic it declares.
 */
function plainDescription(def: PipelineDefinition): SubtopologyNodes {
  const source = `${def.name}-source`;
  const sinks = (def.outputs ?? []).map((topic) => ({ type: 'sink' as const, name: `${def.name}-sink-${topic}`, topic, predecessors: [def.name] }));
  return {
    nodes: [
      { type: 'source', name: source, topics: def.inputs, successors: [def.name] },
      { type: 'processor', name: def.name, stores: [], successors: sinks.map((s) => s.name), predecessors: [source] },
      ...sinks,
    ],
    repartitionTopics: [],
    changelogTopics: (def.internalTopics ?? []).filter((t) => t.config?.['cleanup.policy'] === 'compact').map((t) => t.name),
  };
}

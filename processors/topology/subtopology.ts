/**
 * A sub-topology: the nodes between a source and the sinks or repartition topics that end it,
 * run by one pipeline of the worker (one task per input partition). It is registered with the
 * app as a PipelineDefinition whose topics and description are read from the graph when the app
 * starts, so operators piped onto any stream of it (before start) are part of it.
 */
import type { InputRecord, InternalTopicSpec, PipelineDefinition, TaskContext } from '../../core/worker/contracts.js';
import type { NodeDescription, SubtopologyNodes } from '../../core/worker/topology-description.js';
import type { OperatorFunction } from 'rxjs';
import { InvalidConfigError } from '../../core/errors.js';
import { CHANGELOG_CONFIG, changelogTopic } from '../stores/changelog.js';
import type { Bind } from './node.js';
import type { SourceValues } from '../source-values.js';
import { buildTask } from './runtime.js';

export interface GraphNode {
  name: string;
  type: 'source' | 'processor' | 'sink';
  /** Sources: the topics read. Sinks: `topic`. */
  topics: string[];
  stores: string[];
  children: GraphNode[];
  parents: GraphNode[];
  /** The node's operator for a task (a source's is its deserializer; a side input's source has none). */
  bind?: Bind;
  /** Part of a branch's chain: run by the branch's processor, not by the sub-topology. */
  inline: boolean;
  /** Reads none of its records' values and passes none on (ProcessorOptions.valueUnread). */
  valueUnread: boolean;
}

export class Subtopology {
  readonly nodes: GraphNode[] = [];
  readonly source: GraphNode;
  /** Topics other nodes read (tables, the other side of a join, merged topics). */
  readonly sideInputs: string[] = [];
  readonly outputs: string[] = [];
  readonly stores: string[] = [];
  /** Repartition topics this sub-topology writes (internal topics it creates) and the one it reads. */
  readonly repartitionOut: string[] = [];
  /** The bytes the source's decoder read values from, for the operator right after it (source-values.ts). */
  sourceValues: SourceValues | undefined = undefined;
  private registered = false;
  private built = false;

  constructor(
    readonly appId: string,
    readonly name: string,
    readonly topics: string[],
    readonly repartitionIn: string | undefined,
    sourceName: string,
    decoderBind: Bind,
  ) {
    this.source = this.add({ name: sourceName, type: 'source', topics, bind: decoderBind });
  }

  add(n: { name: string; type: GraphNode['type']; topics?: string[]; stores?: string[]; bind?: Bind; inline?: boolean; valueUnread?: boolean }, parent?: GraphNode): GraphNode {
    if (this.built) throw new InvalidConfigError(`sub-topology ${this.name} is already running: add operators before the app starts`);
    const node: GraphNode = { name: n.name, type: n.type, topics: n.topics ?? [], stores: n.stores ?? [], children: [], parents: [], bind: n.bind, inline: n.inline ?? false, valueUnread: n.valueUnread ?? false };
    this.nodes.push(node);
    if (parent) link(parent, node);
    return node;
  }

  /**
   * Whether any operator reads the values of the source's records: only a processor that says it
   * never does and passes none on (valueUnread, a count) does not; every other node (a plain RxJS
   * operator, a sink, a branch, a repartition, a merge) is taken to read them.
   */
  readsSourceValues(): boolean {
    return this.source.children.some((c) => !c.valueUnread);
  }

  /** Registers the pipeline with the app, once. */
  register(app: { addPipeline(def: PipelineDefinition): void }): void {
    if (this.registered) return;
    this.registered = true;
    app.addPipeline(this.definition());
  }

  private internalTopics(): InternalTopicSpec[] {
    return [
      ...this.stores.map((s) => ({ name: changelogTopic(this.appId, s), partitions: 'inputs' as const, config: CHANGELOG_CONFIG })),
      ...this.repartitionOut.map((t) => ({ name: t, partitions: 'inputs' as const })),
    ];
  }

  definition(): PipelineDefinition {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const sub = this;
    return {
      name: this.name,
      get inputs() {
        return [...sub.topics, ...sub.sideInputs.filter((t, i, all) => !sub.topics.includes(t) && all.indexOf(t) === i)];
      },
      // Joins and table lookups need a key in the same partition of each input; a stream that
      // only reads several topics does not (Kafka Streams' rule).
      get copartitioned() {
        return sub.sideInputs.length > 0;
      },
      get outputs() {
        return [...new Set(sub.outputs)];
      },
      get internalTopics() {
        return sub.internalTopics();
      },
      build: (ctx: TaskContext): OperatorFunction<InputRecord, unknown> => {
        this.built = true;
        return buildTask(this, ctx);
      },
      describe: () => this.describe(),
      // Input records reach only the DSL's own code, which reads them by field (the decoders,
      // side inputs, the error policy; a timestamp extractor is given a plain copy): they may
      // make their key and value views only when read (record-batch.ts BatchRecord).
      lazyRecords: true,
    };
  }

  describe(): SubtopologyNodes {
    const names = (xs: GraphNode[]) => xs.map((x) => x.name);
    const nodes: NodeDescription[] = this.nodes.map((n) =>
      n.type === 'source'
        ? { type: 'source', name: n.name, topics: n.topics, successors: names(n.children) }
        : n.type === 'sink'
          ? { type: 'sink', name: n.name, topic: n.topics[0]!, predecessors: names(n.parents) }
          : { type: 'processor', name: n.name, stores: n.stores, successors: names(n.children), predecessors: names(n.parents) },
    );
    return {
      nodes,
      repartitionTopics: this.repartitionIn ? [this.repartitionIn] : [],
      changelogTopics: this.stores.map((s) => changelogTopic(this.appId, s)),
    };
  }
}

export function link(parent: GraphNode, child: GraphNode): void {
  parent.children.push(child);
  child.parents.push(parent);
}

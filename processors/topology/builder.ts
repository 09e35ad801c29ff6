/**
 * Wires nodes into an app's topology. Each `app.stream(topics)` starts a chain with a stable id
 * (`<topics>-<n>`, n counting only the streams of the same topics), and each operator piped onto
 * it gets a default name from its own place in that chain and its kind
 * (`<chain>-<kind>-<position>`): adding an operator to another chain, or another stream of other
 * topics, renames nothing. `named('…')` replaces the default.
 */
import type { PipelineDefinition } from '../../core/worker/contracts.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { RecordDecoder } from '../record-decoder.js';
import type { WindowDef } from '../windows/window-def.js';
import { nodeOf, operatorNode, type AnyOperator, type Bind, type InlineChain, type NodeBuilder, type ProcessorOptions, type TaskBinding, type TopologyNode } from './node.js';
import { chainOf } from './runtime.js';
import { counted, nodeCounter } from './node-counter.js';
import { Subtopology, type GraphNode } from './subtopology.js';
import { recordOperator } from '../operator.js';
import { changelogTopic } from '../stores/changelog.js';
import type { InputRecord, TaskContext } from '../../core/worker/contracts.js';
import type { Rec } from '../types.js';

/** What the DSL needs of an app: its id and the worker's add-pipeline primitive. */
export interface AppLike {
  readonly id: string;
  addPipeline(def: PipelineDefinition): void;
}

/** The DSL's state of one app: the names taken and the chains started per topic set. */
export class AppTopology {
  private readonly names = new Set<string>();
  private readonly stores = new Set<string>();
  private readonly chains = new Map<string, number>();

  constructor(readonly app: AppLike) {}

  /** `<topics>-<n>`: the n-th stream of these topics in this app. */
  chainId(topics: string[]): string {
    const base = topics.join('+').replace(/[^a-zA-Z0-9._-]/g, '_');
    const n = this.chains.get(base) ?? 0;
    this.chains.set(base, n + 1);
    return this.claim(`${base}-${n}`, false);
  }

  /** Takes a store name: two stores of one name would share a changelog topic. */
  claimStore(name: string): void {
    if (this.stores.has(name)) throw new InvalidConfigError(`the store "${name}" is used twice in app "${this.app.id}": give each stateful operator its own name`);
    this.stores.add(name);
  }

  /** Takes a name: a default gets a suffix when taken (two branches of one chain), a given one must be free. */
  claim(name: string, given: boolean): string {
    if (!this.names.has(name)) {
      this.names.add(name);
      return name;
    }
    if (given) throw new InvalidConfigError(`the name "${name}" is used twice in app "${this.app.id}": names of operators (named(), groupByKey's name) must be unique`);
    for (let i = 2; ; i++) {
      const n = `${name}-${i}`;
      if (!this.names.has(n)) return this.claim(n, false);
    }
  }
}

const topologies = new WeakMap<AppLike, AppTopology>();

export function topologyOf(app: AppLike): AppTopology {
  let t = topologies.get(app);
  if (!t) topologies.set(app, (t = new AppTopology(app)));
  return t;
}

/** Where a chain has got to: the node the next operator follows. */
export interface Position {
  readonly topology: AppTopology;
  readonly sub: Subtopology;
  readonly at: GraphNode;
  readonly chain: string;
  /** Operators in the chain so far (a default name's position). */
  readonly depth: number;
  /** Set by windowed(def), taken by the next aggregation. */
  readonly window?: WindowDef;
  /** The window the last aggregation took (its results are windowed by it). */
  readonly upstreamWindow?: WindowDef;
  /** The chain ended in a sink (to): nothing can follow. */
  readonly ended?: boolean;
}

/** Starts a chain over `topics` (records through `decoderBind`'s operator). */
export function startChain(app: AppLike, topics: string[], decoderBind: Bind): Position {
  const topology = topologyOf(app);
  const chain = topology.chainId(topics);
  const sub = new Subtopology(app.id, chain, topics, undefined, `${chain}-source`, decoderBind);
  return { topology, sub, at: sub.source, chain, depth: 0 };
}

/** Writes each operator's node at the chain's end; returns where the chain has got to. */
export function writeChain(from: Position, ops: AnyOperator[]): Position {
  from.sub.register(from.topology.app);
  let pos = from;
  for (const op of ops) pos = writeNode(pos, nodeOf(op) ?? operatorNode(op));
  return pos;
}

function writeNode(pos: Position, node: TopologyNode): Position {
  if (pos.ended) throw new InvalidConfigError(`${node.kind} after to(...): a chain ends where it is written to a topic; read that topic with app.stream(...) to go on`);
  const depth = pos.depth + 1;
  const name = pos.topology.claim(node.name ?? `${pos.chain}-${node.kind}-${depth}`, node.name !== undefined);
  const b = new ChainBuilder(pos, name, depth);
  node.writeToTopology(b);
  return b.position();
}

class ChainBuilder implements NodeBuilder {
  readonly appId: string;
  private sub: Subtopology;
  private at: GraphNode;
  private window: WindowDef | undefined;
  readonly upstreamWindow: WindowDef | undefined;
  private resultWindow: WindowDef | undefined;
  private ended = false;
  /** The processor added last (the one an inline chain belongs to). */
  private last: GraphNode | undefined;

  constructor(
    private readonly pos: Position,
    readonly name: string,
    private readonly depth: number,
  ) {
    this.appId = pos.sub.appId;
    this.sub = pos.sub;
    this.at = pos.at;
    this.window = pos.window;
    this.upstreamWindow = pos.upstreamWindow;
    this.resultWindow = pos.upstreamWindow;
  }

  position(): Position {
    return { topology: this.pos.topology, sub: this.sub, at: this.at, chain: this.pos.chain, depth: this.depth, window: this.window, upstreamWindow: this.resultWindow, ended: this.ended };
  }

  private processorName(): string {
    // A node with more than one processor (rare) names the others after the first.
    return this.last ? this.pos.topology.claim(`${this.name}-${this.sub.nodes.length}`, false) : this.name;
  }

  processor(bind: Bind, opts: ProcessorOptions = {}): void {
    const p = this.sub.add({ name: this.processorName(), type: 'processor', stores: opts.stores ?? [], bind, valueUnread: opts.valueUnread }, this.at);
    (opts.inputs ?? []).forEach((topic, i, all) => {
      this.sub.sideInputs.push(topic);
      const source = this.sub.add({ name: this.pos.topology.claim(all.length === 1 ? `${p.name}-source` : `${p.name}-source-${i}`, false), type: 'source', topics: [topic] });
      source.children.push(p);
      p.parents.push(source);
    });
    this.at = p;
    this.last = p;
  }

  store(name: string): string {
    this.pos.topology.claimStore(name);
    this.sub.stores.push(name);
    return changelogTopic(this.appId, name);
  }

  sink(topic: string, bind: Bind): void {
    const s = this.sub.add({ name: this.processorName(), type: 'sink', topics: [topic], bind }, this.at);
    this.sub.outputs.push(topic);
    this.at = s;
    this.last = s;
    this.ended = true;
  }

  repartition(topic: string, bind: Bind, decode: RecordDecoder<unknown, unknown>): void {
    const sinkName = this.pos.topology.claim(`${this.name}-sink`, false);
    this.sub.add({ name: sinkName, type: 'sink', topics: [topic], bind }, this.at);
    this.sub.repartitionOut.push(topic);
    const next = new Subtopology(this.appId, this.name, [topic], topic, this.pos.topology.claim(`${this.name}-source`, false), decodeWith(decode));
    next.register(this.pos.topology.app);
    this.sub = next;
    this.at = next.source;
    this.last = undefined;
  }

  setWindow(window: WindowDef): void {
    this.window = window;
  }

  takeWindow(): WindowDef | undefined {
    const w = this.window;
    this.window = undefined;
    this.resultWindow = w;
    return w;
  }

  inline(label: string, ops: AnyOperator[]): InlineChain {
    const owner = this.last;
    if (!owner) throw new InvalidConfigError(`${this.name}: an inline chain belongs to a processor; add the processor first`);
    const inner = new InlineBuilder(this, this.sub, owner, label);
    for (const op of ops) inner.write(nodeOf(op) ?? operatorNode(op));
    return inner;
  }

  /** Names inside a branch: `<branch node>-<label>-<kind>-<i>`. */
  claim(name: string): string {
    return this.pos.topology.claim(name, false);
  }
}

/** A branch's chain: processors and sinks described under the branch, run by the branch's processor. */
class InlineBuilder implements NodeBuilder, InlineChain {
  readonly appId: string;
  private readonly binds: Bind[] = [];
  /** The node of each bind (its records are counted under its name). */
  private readonly nodes: GraphNode[] = [];
  private at: GraphNode;
  private current = '';
  private index = 0;

  constructor(
    private readonly outer: ChainBuilder,
    private readonly sub: Subtopology,
    owner: GraphNode,
    private readonly label: string,
  ) {
    this.appId = outer.appId;
    this.at = owner;
  }

  get name(): string {
    return this.current;
  }

  write(node: TopologyNode): void {
    this.index++;
    this.current = this.outer.claim(node.name ?? `${this.outer.name}-${this.label}-${node.kind}-${this.index}`);
    node.writeToTopology(this);
  }

  processor(bind: Bind, opts: ProcessorOptions = {}): void {
    if (opts.inputs?.length || opts.stores?.length) this.refuse('reads other topics or keeps state');
    this.at = this.sub.add({ name: this.current, type: 'processor', bind, inline: true }, this.at);
    this.binds.push(bind);
    this.nodes.push(this.at);
  }

  sink(topic: string, bind: Bind): void {
    this.at = this.sub.add({ name: this.current, type: 'sink', topics: [topic], bind, inline: true }, this.at);
    this.sub.outputs.push(topic);
    this.binds.push(bind);
    this.nodes.push(this.at);
  }

  store(): string {
    return this.refuse('keeps state');
  }

  repartition(): void {
    this.refuse('changes the key through a repartition topic');
  }

  setWindow(): void {
    this.refuse('is windowed');
  }

  takeWindow(): undefined {
    return undefined;
  }

  get upstreamWindow(): undefined {
    return undefined;
  }

  inline(): InlineChain {
    return this.refuse('branches again');
  }

  private refuse(what: string): never {
    throw new InvalidConfigError(`branch "${this.label}": ${this.current} ${what} and cannot run inside a branch; write the branch to a topic and build a pipeline on it`);
  }

  bind(t: TaskBinding): AnyOperator {
    return chainOf(
      this.binds.map((b, i) => {
        const op = b(t);
        const count = nodeCounter(t.ctx.metrics, this.sub.name, this.nodes[i]!.name);
        return (src) => op(counted(src, count));
      }),
    );
  }
}

/** The source's decoder; values left undecoded when no operator of the sub-topology reads them. */
export function decodeWith(decode: RecordDecoder<unknown, unknown>): Bind {
  return (t) => deserializer(t.ctx, (!t.valuesRead && decode.withoutValue) || decode);
}

/** The first operator of every sub-topology: stored records to typed records (failures to the error policy). */
export function deserializer<K, V>(ctx: TaskContext, decode: (r: InputRecord) => Rec<K, V>): AnyOperator {
  return recordOperator<InputRecord, Rec<K, V>>(ctx, { next: (r, emit) => emit(decode(r)) });
}

/**
 * The app's topology (Kafka Streams' TopologyDescription from /api/topology), each sub-topology
 * drawn as a graph from its source nodes to its sinks, with live rates of the topics it reads and
 * writes and the lag and rate of the pipeline that runs it. A DSL topology's nodes show the live
 * rate of records entering each (the task runtime's per-node counts); clicking a node charts it.
 * An app without the DSL's description shows each pipeline as inputs → pipeline → outputs. Below,
 * the app's state stores can be read.
 */
import { useState } from 'preact/hooks';
import { get } from '../api';
import { Chart, fmt } from '../chart';
import { seriesOf, useLive } from '../live';
import type { LiveSample, Pipeline, Subtopology, Topology, TopologyNode } from '../types';
import { Err, link, useLoad } from '../util';
import { StoresSection } from './stores';

export function PipelinesPage() {
  const topo = useLoad(() => get<Topology>('/api/topology'), []);
  const list = useLoad(() => get<Pipeline[]>('/api/pipelines'), [], 3000);
  const live = useLive();
  const last = live[live.length - 1];
  const subs = topo.data?.subtopologies ?? [];
  const [picked, pick] = useState<{ pipeline: string; node: string } | undefined>();
  return (
    <section>
      <h1>Pipelines</h1>
      <Err error={topo.error ?? list.error} />
      {topo.data && subs.length === 0 ? <p class="muted">{topo.data.app ? `App ${topo.data.app} has no pipelines.` : 'This process runs no app: pipelines show in the console of `sluice run app.ts --ui`.'}</p> : null}
      {subs.map((s) => (
        <Graph key={s.id} s={s} p={list.data?.find((p) => p.name === s.pipeline)} last={last} onPick={(node) => pick({ pipeline: s.pipeline, node })} />
      ))}
      {picked ? (
        <Chart
          title={`${picked.node} (${picked.pipeline}): records/s entering the node`}
          names={[picked.node]}
          unit="rec/s"
          testId="node-chart"
          {...seriesOf(live, [picked.node], (x, n) => x.nodes?.find((y) => y.pipeline === picked.pipeline && y.node === n)?.rate)}
        />
      ) : null}
      {topo.data && subs.length ? (
        <details>
          <summary>as Kafka Streams prints it{topo.data.detailed ? '' : ' (pipelines only: this app has no operator-level description)'}</summary>
          <pre data-testid="topology-text">{topo.data.text}</pre>
        </details>
      ) : null}
      <StoresSection />
    </section>
  );
}

const W = 190;
const H = 38;
const GX = 60;
const GY = 14;

/** A label that fits its box (the whole of it is in the node's tooltip). */
const clip = (s: string) => (s.length > 30 ? `${s.slice(0, 29)}…` : s);

/** Columns by the longest path from a source, rows in declaration order. */
function layout(nodes: TopologyNode[]): Map<string, { x: number; y: number }> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const visit = (name: string, d: number, guard: number) => {
    if (guard > nodes.length || (depth.get(name) ?? -1) >= d) return;
    depth.set(name, d);
    for (const s of byName.get(name)?.successors ?? []) visit(s, d + 1, guard + 1);
  };
  for (const n of nodes) if (n.type === 'source') visit(n.name, 0, 0);
  for (const n of nodes) if (!depth.has(n.name)) depth.set(n.name, 0);
  const rows = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const d = depth.get(n.name)!;
    const r = rows.get(d) ?? 0;
    rows.set(d, r + 1);
    at.set(n.name, { x: 10 + d * (W + GX), y: 10 + r * (H + GY) });
  }
  return at;
}

function Graph(props: { s: Subtopology; p?: Pipeline; last?: LiveSample; onPick: (node: string) => void }) {
  const { s, p, last } = props;
  const at = layout(s.nodes);
  const rate = (t: string) => last?.topics.find((x) => x.name === t)?.rate ?? 0;
  const live = last?.pipelines.find((x) => x.name === s.pipeline);
  const width = Math.max(...[...at.values()].map((v) => v.x)) + W + 10;
  const height = Math.max(...[...at.values()].map((v) => v.y)) + H + 10;
  /** The node's own rate: the live stream's, else the topology's (DSL topologies only). */
  const nodeRate = (n: TopologyNode): number | undefined => last?.nodes?.find((x) => x.pipeline === s.pipeline && x.node === n.name)?.rate ?? n.rate ?? undefined;
  const sub = (n: TopologyNode): string => {
    const own = nodeRate(n);
    if (own !== undefined) {
      if (n.type === 'source') return `${(n.topics ?? []).join(', ')} · ${fmt(own)} rec/s`;
      if (n.type === 'sink') return `→ ${n.topic} · ${fmt(own)} rec/s`;
      return `${fmt(own)} rec/s${n.stores?.length ? ` · ${n.stores.join(', ')}` : ''}`;
    }
    if (n.type === 'source') return `${(n.topics ?? []).join(', ')} · ${fmt((n.topics ?? []).reduce((x, t) => x + rate(t), 0))} rec/s`;
    if (n.type === 'sink') return `→ ${n.topic} · ${fmt(rate(n.topic ?? ''))} rec/s`;
    return n.stores?.length ? `stores: ${n.stores.join(', ')}` : n.name === s.pipeline ? `${fmt(live?.rate ?? 0)} rec/s` : 'processor';
  };
  const href = (n: TopologyNode) => (n.type === 'source' && n.topics?.length === 1 ? link('topics', n.topics[0]!) : n.type === 'sink' && n.topic ? link('topics', n.topic) : undefined);
  return (
    <figure class="graph" data-testid={`pipeline-${s.pipeline}`}>
      <figcaption>
        Sub-topology {s.id}: {s.pipeline}
        {p ? (
          <>
            {' '}— group <a href={link('groups', p.groupId)}>{p.groupId}</a>, lag {live?.lag ?? p.lag}, {fmt(live?.rate ?? 0)} rec/s
          </>
        ) : null}
      </figcaption>
      <svg width={width} height={height} role="img" aria-label={`sub-topology ${s.id}`}>
        {s.nodes.flatMap((n) =>
          (n.successors ?? []).map((c) => {
            const a = at.get(n.name);
            const b = at.get(c);
            return a && b ? <line x1={a.x + W} y1={a.y + H / 2} x2={b.x} y2={b.y + H / 2} /> : null;
          }),
        )}
        {s.nodes.map((n) => {
          const { x, y } = at.get(n.name)!;
          const h = href(n);
          // A node with its own rate is charted on a click (its topic is linked from its name);
          // a pipeline without the DSL's counts links its source and sink boxes to their topics.
          const counted = nodeRate(n) !== undefined;
          const name = <text x="8" y="15">{clip(n.name)}</text>;
          const box = (
            <g class={`node ${n.type}${counted ? ' counted' : ''}`} transform={`translate(${x},${y})`} data-testid={`node-${n.name}`} onClick={counted ? () => props.onPick(n.name) : undefined}>
              <title>{`${n.name}\n${sub(n)}`}</title>
              <rect width={W} height={H} rx="6" />
              {counted && h ? <a href={h}>{name}</a> : name}
              <text x="8" y="31" class="sub" data-testid={`node-rate-${n.name}`}>
                {clip(sub(n))}
              </text>
            </g>
          );
          return h && !counted ? <a href={h}>{box}</a> : box;
        })}
      </svg>
      {s.repartitionTopics.length || s.changelogTopics.length ? (
        <p class="muted">
          internal topics:{' '}
          {[...s.repartitionTopics, ...s.changelogTopics].map((t) => (
            <a href={link('topics', t)} class="tag">
              {t}
            </a>
          ))}
        </p>
      ) : null}
    </figure>
  );
}

/**
 * Pipelines of the app this server runs in, each drawn as a graph: input topics → pipeline →
 * output topics, internal topics (changelogs, repartition topics) below, with live rates. The
 * operator-level topology comes with the DSL's topology description.
 */
import { get } from '../api';
import { fmt } from '../chart';
import { useLive } from '../live';
import type { Info, LiveSample, Pipeline } from '../types';
import { Err, link, useLoad } from '../util';

export function PipelinesPage() {
  const info = useLoad(() => get<Info>('/api/info'), []);
  const list = useLoad(() => get<Pipeline[]>('/api/pipelines'), [], 3000);
  const live = useLive();
  const last = live[live.length - 1];
  return (
    <section>
      <h1>Pipelines</h1>
      <Err error={list.error} />
      {list.data && list.data.length === 0 ? <p class="muted">{info.data?.app ? `App ${info.data.app} has no pipelines.` : 'This process runs no app: pipelines show in the console of `sluice run app.ts --ui`.'}</p> : null}
      {(list.data ?? []).map((p) => (
        <Graph key={p.name} p={p} last={last} />
      ))}
    </section>
  );
}

const W = 180;
const H = 34;

function Graph(props: { p: Pipeline; last?: LiveSample }) {
  const { p, last } = props;
  const rate = (t: string) => fmt(last?.topics.find((x) => x.name === t)?.rate ?? 0);
  const live = last?.pipelines.find((x) => x.name === p.name);
  const rows = Math.max(p.inputs.length, p.outputs.length, 1);
  const height = rows * (H + 16) + (p.internalTopics.length ? H + 40 : 0) + 20;
  const y = (i: number, n: number) => 10 + ((rows - n) * (H + 16)) / 2 + i * (H + 16);
  const mid = { x: 260, y: 10 + ((rows - 1) * (H + 16)) / 2 };
  const node = (x: number, yy: number, label: string, sub: string, kind: string, href?: string) => (
    <a href={href}>
      <g class={`node ${kind}`} transform={`translate(${x},${yy})`}>
        <rect width={W} height={H} rx="6" />
        <text x="8" y="15">{label}</text>
        <text x="8" y="29" class="sub">{sub}</text>
      </g>
    </a>
  );
  return (
    <figure class="graph" data-testid={`pipeline-${p.name}`}>
      <figcaption>
        {p.name} — group <a href={link('groups', p.groupId)}>{p.groupId}</a>, lag {live?.lag ?? p.lag}, {fmt(live?.rate ?? 0)} rec/s
      </figcaption>
      <svg width="720" height={height} role="img" aria-label={`pipeline ${p.name}`}>
        {p.inputs.map((t, i) => (
          <line x1={W + 10} y1={y(i, p.inputs.length) + H / 2} x2={mid.x} y2={mid.y + H / 2} />
        ))}
        {p.outputs.map((t, i) => (
          <line x1={mid.x + W} y1={mid.y + H / 2} x2={520} y2={y(i, p.outputs.length) + H / 2} />
        ))}
        {p.inputs.map((t, i) => node(10, y(i, p.inputs.length), t, `${rate(t)} rec/s in`, 'topic', link('topics', t)))}
        {node(mid.x, mid.y, p.name, `${fmt(live?.rate ?? 0)} rec/s, lag ${live?.lag ?? p.lag}`, 'processor')}
        {p.outputs.map((t, i) => node(520, y(i, p.outputs.length), t, `${rate(t)} rec/s out`, 'topic', link('topics', t)))}
        {p.internalTopics.map((t, i) => (
          <>
            <line x1={mid.x + W / 2} y1={mid.y + H} x2={10 + i * (W + 10) + W / 2} y2={height - H - 10} class="internal" />
            {node(10 + i * (W + 10), height - H - 10, t, `${rate(t)} rec/s`, 'internal', link('topics', t))}
          </>
        ))}
      </svg>
    </figure>
  );
}

/** A live line chart (uPlot): one line per name; updated in place as samples arrive. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

export function Chart(props: { title: string; names: string[]; x: number[]; ys: Array<Array<number | null>>; unit: string; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = props.names.join('\u0000');
  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth || 600),
      height: 180,
      series: [{}, ...props.names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 2, value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${fmt(v)} ${props.unit}`) }))],
      axes: [{}, { size: 60, values: (_u, vals) => vals.map((v) => fmt(v)) }],
      scales: { x: { time: true }, y: { range: (_u, lo, hi) => [0, Math.max(1, hi, lo)] } },
      legend: { live: false },
    };
    plot.current = new uPlot(opts, [props.x, ...props.ys] as uPlot.AlignedData, el);
    const resize = () => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: 180 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [key]);
  useEffect(() => {
    plot.current?.setData([props.x, ...props.ys] as uPlot.AlignedData);
  });
  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div ref={host} />
    </figure>
  );
}

export function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

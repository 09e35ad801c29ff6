/**
 * Metrics in Prometheus' text exposition format: counters, gauges and histograms with labels,
 * kept in plain Maps (incrementing one is a Map lookup and an addition).
 */
import type { Metrics } from './contracts.js';

type Labels = Record<string, string>;
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  series: Map<string, { labels: Labels; value: number; buckets?: number[]; sum?: number; count?: number }>;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

/** A registry's families as plain data, to send between threads. */
export type MetricsSnapshot = Array<[string, { help: string; type: Family['type']; series: Array<{ labels: Labels; value: number; buckets?: number[]; sum?: number; count?: number }> }]>;

export class MetricsRegistry implements Metrics {
  private readonly families = new Map<string, Family>();

  private series(name: string, help: string, type: Family['type'], labels: Labels = {}) {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, series: new Map() }));
    const key = labelKey(labels);
    let s = f.series.get(key);
    if (!s) {
      s = { labels, value: 0 };
      if (type === 'histogram') {
        s.buckets = BUCKETS.map(() => 0);
        s.sum = 0;
        s.count = 0;
      }
      f.series.set(key, s);
    }
    return s;
  }

  counter(name: string, help: string, labels?: Labels) {
    const s = this.series(name, help, 'counter', labels);
    return { inc: (by = 1) => void (s.value += by) };
  }

  gauge(name: string, help: string, labels?: Labels) {
    const s = this.series(name, help, 'gauge', labels);
    return { set: (v: number) => void (s.value = v) };
  }

  histogram(name: string, help: string, labels?: Labels) {
    const s = this.series(name, help, 'histogram', labels);
    return {
      observe: (v: number) => {
        for (let i = 0; i < BUCKETS.length; i++) if (v <= BUCKETS[i]!) s.buckets![i]!++;
        s.sum! += v;
        s.count!++;
      },
    };
  }

  /** Current value of a counter or gauge series (tests, the progress line). */
  value(name: string, labels: Labels = {}): number {
    return this.families.get(name)?.series.get(labelKey(labels))?.value ?? 0;
  }

  /** Sum over every series of a family. */
  total(name: string): number {
    let t = 0;
    for (const s of this.families.get(name)?.series.values() ?? []) t += s.value;
    return t;
  }

  snapshot(): MetricsSnapshot {
    return [...this.families].map(([name, f]) => [name, { help: f.help, type: f.type, series: [...f.series.values()].map((x) => ({ ...x, labels: { ...x.labels }, buckets: x.buckets && [...x.buckets] })) }]);
  }

  /** Adds another registry's series (a task thread's), each with `extra` labels (e.g. its thread). */
  absorb(snapshot: MetricsSnapshot, extra: Labels): void {
    for (const [name, f] of snapshot) {
      for (const x of f.series) {
        const s = this.series(name, f.help, f.type, { ...x.labels, ...extra });
        s.value = x.value;
        if (x.buckets) {
          s.buckets = [...x.buckets];
          s.sum = x.sum;
          s.count = x.count;
        }
      }
    }
  }

  /** Prometheus text exposition (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [key, s] of f.series) {
        const l = (extra?: string) => {
          const parts = [key, extra].filter(Boolean).join(',');
          return parts ? `{${parts}}` : '';
        };
        if (f.type !== 'histogram') {
          out.push(`${name}${l()} ${s.value}`);
          continue;
        }
        BUCKETS.forEach((b, i) => out.push(`${name}_bucket${l(`le="${b}"`)} ${s.buckets![i]}`));
        out.push(`${name}_bucket${l('le="+Inf"')} ${s.count}`, `${name}_sum${l()} ${s.sum}`, `${name}_count${l()} ${s.count}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

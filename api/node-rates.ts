/**
 * Records and rate of each topology node (`sluice_node_records_total{pipeline,node}`, counted by
 * the tasks: core/worker/node-records.ts). A rate is the change of the count over the time since the
 * previous reading, taken at most once a second: the live stream reads every second, so while a
 * page is open /api/topology answers the same rates the page charts; the first reading has none.
 */
import { NODE_RECORDS } from '../core/worker/node-records.js';
import type { ApiContext } from './context.js';

export interface NodeCount {
  pipeline: string;
  node: string;
  records: number;
  /** Records per second entering the node; null before a second reading. */
  rate: number | null;
}

const MIN_INTERVAL_MS = 1000;

class NodeRates {
  private ref?: { time: number; counts: Map<string, number> };
  private rates = new Map<string, number>();

  read(ctx: ApiContext, nodes: Array<{ pipeline: string; node: string }>): NodeCount[] {
    const app = ctx.app;
    if (!app) return [];
    const time = Date.now();
    const counts = new Map<string, number>();
    for (const n of nodes) counts.set(key(n), app.metrics.value(NODE_RECORDS, { pipeline: n.pipeline, node: n.node }));
    const ref = this.ref;
    if (!ref) this.ref = { time, counts };
    else if (time - ref.time >= MIN_INTERVAL_MS) {
      const dt = (time - ref.time) / 1000;
      this.rates = new Map([...counts].map(([k, v]) => [k, Math.max(0, (v - (ref.counts.get(k) ?? v)) / dt)]));
      this.ref = { time, counts };
    }
    return nodes.map((n) => ({ ...n, records: counts.get(key(n))!, rate: this.rates.get(key(n)) ?? null }));
  }
}

const key = (n: { pipeline: string; node: string }) => `${n.pipeline}\u0000${n.node}`;

const byContext = new WeakMap<ApiContext, NodeRates>();

/** The node counts of the app `ctx` serves (one rate history per server). */
export function nodeCounts(ctx: ApiContext, nodes: Array<{ pipeline: string; node: string }>): NodeCount[] {
  let r = byContext.get(ctx);
  if (!r) byContext.set(ctx, (r = new NodeRates()));
  return r.read(ctx, nodes);
}

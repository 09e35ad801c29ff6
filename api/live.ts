/**
 * The live view the console charts: every `intervalMs`, the end offset and append rate of each
 * topic, the lag of each group, the rate and state of each connector, the commit rate and lag of
 * each pipeline and the rate of each node of the DSL's topology, sent to every open page as a
 * Server-Sent Event. One sampler serves all pages and runs only while one is connected, so a
 * worker with no page open pays nothing; what it reads is the log's metadata (offsets) and the
 * app's counters, never records.
 */
import { z } from 'zod';
import type { ApiContext } from './context.js';
import type { StreamRoute } from './route.js';
import { nodeCounts } from './node-rates.js';

export const liveEvent = z.object({
  time: z.number().int().describe('ms since the epoch'),
  topics: z.array(z.object({ name: z.string(), end: z.number().int().describe('sum of the partitions\' end offsets'), rate: z.number().describe('records appended per second') })),
  groups: z.array(z.object({ groupId: z.string(), state: z.string(), members: z.number().int(), lag: z.number().int(), rate: z.number().describe('offsets committed per second') })),
  connectors: z.array(z.object({ name: z.string(), type: z.enum(['source', 'sink']), state: z.string(), rate: z.number().describe('records per second') })),
  pipelines: z.array(z.object({ name: z.string(), lag: z.number().int(), rate: z.number().describe('input records committed per second') })),
  nodes: z
    .array(z.object({ pipeline: z.string(), node: z.string(), records: z.number().int(), rate: z.number().describe('records per second entering the node') }))
    .describe("each node of the DSL's topology (none for pipelines built without the DSL)"),
});
export type LiveEvent = z.output<typeof liveEvent>;

type Listener = (e: LiveEvent) => void;

export class LiveSampler {
  private readonly listeners = new Set<Listener>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  private last?: { time: number; topics: Map<string, number>; groups: Map<string, number>; connectors: Map<string, number> };

  constructor(
    private readonly ctx: ApiContext,
    private readonly intervalMs = 1000,
  ) {}

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref();
      void this.tick();
    } else if (this.latest) l(this.latest);
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0) this.close();
    };
  }

  private latest?: LiveEvent;

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
    this.latest = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const e = await this.sample();
      this.latest = e;
      for (const l of this.listeners) l(e);
    } catch {
      // The log may be closing (the app stops) or briefly unreachable (Kafka): the next tick tries again.
    } finally {
      this.busy = false;
    }
  }

  private async sample(): Promise<LiveEvent> {
    const { client, app } = this.ctx;
    const admin = client.admin();
    const time = Date.now();
    const prev = this.last;
    const dt = prev ? (time - prev.time) / 1000 : 0;
    const rate = (now: number, before: number | undefined) => (prev && before !== undefined && dt > 0 ? Math.max(0, (now - before) / dt) : 0);
    const topicEnds = new Map<string, number>();
    for (const name of await admin.listTopics()) {
      const d = await admin.describeTopic(name);
      topicEnds.set(name, d.partitions.reduce((n, p) => n + p.highWatermark, 0));
    }
    const committed = new Map<string, number>();
    const groups: LiveEvent['groups'] = [];
    for (const g of await admin.listGroups()) {
      const d = await admin.describeGroup(g);
      const sum = d.offsets.reduce((n, o) => n + Math.max(0, o.committed), 0);
      committed.set(g, sum);
      groups.push({ groupId: g, state: d.state, members: d.members.length, lag: d.offsets.reduce((n, o) => n + Math.max(0, o.lag), 0), rate: rate(sum, prev?.groups.get(g)) });
    }
    const counts = new Map<string, number>();
    const connectors: LiveEvent['connectors'] = (app?.connectorInfo() ?? []).map((c) => {
      const n = c.type === 'source' ? app!.metrics.value('sluice_source_records_total', { connector: c.name }) : app!.metrics.value('sluice_sink_records_total', { sink: c.name });
      counts.set(c.name, n);
      return { name: c.name, type: c.type, state: c.state, rate: rate(n, prev?.connectors.get(c.name)) };
    });
    const byGroup = new Map(groups.map((g) => [g.groupId, g]));
    const pipelines: LiveEvent['pipelines'] = (app?.pipelineInfo() ?? []).map((p) => ({ name: p.name, lag: byGroup.get(p.groupId)?.lag ?? 0, rate: byGroup.get(p.groupId)?.rate ?? 0 }));
    const topology = app && typeof app.describe === 'function' ? app.describe().toJSON().subtopologies : [];
    const nodes = nodeCounts(this.ctx, topology.flatMap((s) => s.nodes.map((n) => ({ pipeline: s.pipeline, node: n.name })))).map((n) => ({ ...n, rate: n.rate ?? 0 }));
    this.last = { time, topics: topicEnds, groups: committed, connectors: counts };
    return {
      time,
      topics: [...topicEnds].map(([name, end]) => ({ name, end, rate: rate(end, prev?.topics.get(name)) })).sort((a, b) => a.name.localeCompare(b.name)),
      groups: groups.sort((a, b) => a.groupId.localeCompare(b.groupId)),
      connectors,
      pipelines,
      nodes,
    };
  }
}

export function liveRoute(sampler: LiveSampler): StreamRoute {
  return {
    path: '/api/live',
    tag: 'live',
    summary: 'Server-Sent Events: a `sample` event every second with topic rates, group lag, connector, pipeline and topology-node rates',
    event: liveEvent,
    start(send, _ctx, signal) {
      const off = sampler.subscribe((e) => send('sample', e));
      signal.addEventListener('abort', off, { once: true });
    },
  };
}

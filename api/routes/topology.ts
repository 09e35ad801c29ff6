/**
 * The app's topology in the shape of Kafka Streams' TopologyDescription: sub-topologies of source,
 * processor and sink nodes with their stores, repartition and changelog topics, and its text form.
 * An app that describes itself (`app.describe()`, the DSL's topology) is shown as it says; one that
 * does not is shown from what the worker knows of each pipeline: its input topics → one processor
 * → its output topics (`detailed: false`). A DSL topology's nodes carry their record counts and
 * rates (node-rates.ts).
 */
import { z } from 'zod';
import type { ApiContext, ManagedApp } from '../context.js';
import { route } from '../route.js';
import { nodeCounts } from '../node-rates.js';

const node = z.object({
  type: z.enum(['source', 'processor', 'sink']),
  name: z.string(),
  topics: z.array(z.string()).optional().describe('a source\'s topics'),
  topic: z.string().optional().describe('a sink\'s topic'),
  stores: z.array(z.string()).optional().describe('the state stores a processor uses'),
  successors: z.array(z.string()).optional(),
  predecessors: z.array(z.string()).optional(),
  records: z.number().int().optional().describe('records that entered the node since the app started, summed over its tasks (DSL topologies: Kafka Streams\' process-total)'),
  rate: z.number().nullable().optional().describe('records per second entering the node, over the last second or more (null until a second reading)'),
});
const subtopology = z.object({ id: z.number().int(), pipeline: z.string(), nodes: z.array(node), repartitionTopics: z.array(z.string()), changelogTopics: z.array(z.string()) });
export const topologyResponse = z.object({
  app: z.string().nullable(),
  detailed: z.boolean().describe('true: the operators as the DSL declares them; false: each pipeline as inputs → pipeline → outputs'),
  subtopologies: z.array(subtopology),
  text: z.string().describe("Kafka Streams' Topology#describe() text"),
});
type Subtopology = z.output<typeof subtopology>;

/** What the worker knows of each pipeline, as a one-processor sub-topology. */
function fromPipelines(app: ManagedApp): Subtopology[] {
  return app.pipelineInfo().map((p, id) => {
    const source = `${p.name}-source`;
    // What it writes: its outputs, and the repartition topics it feeds (those it does not read).
    const written = [...p.outputs, ...p.internalTopics.filter((t) => t.endsWith('-repartition') && !p.inputs.includes(t))];
    const sinks = written.map((t) => `${p.name}-sink-${t}`);
    return {
      id,
      pipeline: p.name,
      nodes: [
        { type: 'source' as const, name: source, topics: p.inputs, successors: [p.name] },
        { type: 'processor' as const, name: p.name, stores: [], successors: sinks, predecessors: [source] },
        ...written.map((t, i) => ({ type: 'sink' as const, name: sinks[i]!, topic: t, predecessors: [p.name] })),
      ],
      repartitionTopics: p.internalTopics.filter((t) => t.endsWith('-repartition')),
      changelogTopics: p.internalTopics.filter((t) => !t.endsWith('-repartition')),
    };
  });
}

function text(subs: Subtopology[]): string {
  const list = (xs: string[] | undefined) => (xs && xs.length ? xs.join(', ') : 'none');
  let out = 'Topologies:\n ';
  for (const s of subs) {
    out += `  Sub-topology: ${s.id}\n`;
    for (const n of s.nodes) {
      if (n.type === 'source') out += `    Source: ${n.name} (topics: [${(n.topics ?? []).join(', ')}])\n      --> ${list(n.successors)}\n`;
      else if (n.type === 'processor') out += `    Processor: ${n.name} (stores: [${(n.stores ?? []).join(', ')}])\n      --> ${list(n.successors)}\n      <-- ${list(n.predecessors)}\n`;
      else out += `    Sink: ${n.name} (topic: ${n.topic})\n      <-- ${list(n.predecessors)}\n`;
    }
    out += '\n';
  }
  return out;
}

export function topologyOf(ctx: ApiContext): z.output<typeof topologyResponse> {
  const app = ctx.app;
  if (!app) return { app: null, detailed: false, subtopologies: [], text: 'Topologies:\n ' };
  if (typeof app.describe === 'function') {
    const d = app.describe();
    const subs = d.toJSON().subtopologies;
    const counts = nodeCounts(ctx, subs.flatMap((s) => s.nodes.map((n) => ({ pipeline: s.pipeline, node: n.name }))));
    let i = 0;
    const counted = subs.map((s) => ({ ...s, nodes: s.nodes.map((n) => ({ ...n, records: counts[i]!.records, rate: counts[i++]!.rate })) }));
    return { app: app.id, detailed: true, subtopologies: counted, text: String(d) };
  }
  const subs = fromPipelines(app);
  return { app: app.id, detailed: false, subtopologies: subs, text: text(subs) };
}

export const topologyRoute = route({
  method: 'GET',
  path: '/api/topology',
  tag: 'pipelines',
  summary: "the app's topology (Kafka Streams' TopologyDescription as JSON, and its text)",
  response: topologyResponse,
  handler: async (_i, ctx) => topologyOf(ctx),
});

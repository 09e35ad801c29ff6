/**
 * Pipelines of the app this server runs in: each with its consumer group, input, output and
 * internal topics, and its lag. (The operator-level topology and state stores come with the DSL's
 * topology description; until then a pipeline is shown as inputs → pipeline → outputs.)
 */
import { z } from 'zod';
import { HttpError } from '../http-errors.js';
import type { ApiContext } from '../context.js';
import { route } from '../route.js';

const pipeline = z.object({
  name: z.string(),
  app: z.string(),
  groupId: z.string(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  internalTopics: z.array(z.string()),
  lag: z.number().int().describe('records of the inputs not yet committed by the pipeline'),
});

async function withLag(ctx: ApiContext) {
  const app = ctx.app;
  if (!app) return [];
  const admin = ctx.client.admin();
  const groups = new Set(await admin.listGroups());
  const out: Array<z.output<typeof pipeline>> = [];
  for (const p of app.pipelineInfo()) {
    const lag = groups.has(p.groupId) ? (await admin.describeGroup(p.groupId)).offsets.reduce((n, o) => n + Math.max(0, o.lag), 0) : 0;
    out.push({ ...p, app: app.id, lag });
  }
  return out;
}

export const pipelineRoutes = [
  route({
    method: 'GET',
    path: '/api/pipelines',
    tag: 'pipelines',
    summary: "the pipelines of the app this process runs (empty for sluice broker / sluice ui)",
    response: z.array(pipeline),
    handler: async (_i, ctx) => withLag(ctx),
  }),
  route({
    method: 'GET',
    path: '/api/pipelines/{name}',
    tag: 'pipelines',
    summary: 'one pipeline',
    params: z.object({ name: z.string().min(1) }),
    response: pipeline,
    async handler({ params }, ctx) {
      const p = (await withLag(ctx)).find((x) => x.name === params.name);
      if (!p) throw new HttpError(404, `pipeline "${params.name}" does not exist${ctx.app ? ` in app "${ctx.app.id}"` : ': this process runs no app'}`);
      return p;
    },
  }),
];

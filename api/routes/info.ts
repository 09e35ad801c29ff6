/** What this server serves: the console reads it first. */
import { z } from 'zod';
import { route } from '../route.js';

export const infoRoute = route({
  method: 'GET',
  path: '/api/info',
  tag: 'info',
  summary: 'the log this server manages and the app it runs in, if any',
  response: z.object({ log: z.enum(['embedded', 'kafka']), app: z.string().nullable(), connectors: z.number().int(), pipelines: z.number().int() }),
  handler: async (_i, { client, app }) => ({ log: client.kind, app: app?.id ?? null, connectors: app?.connectorInfo().length ?? 0, pipelines: app?.pipelineInfo().length ?? 0 }),
});

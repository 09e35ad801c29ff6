/**
 * Connectors in the shape of Kafka Connect's REST API (so its tools and habits carry over): the
 * list, each connector's config and status, pause/resume/restart and its offsets. A process that
 * runs no app (`sluice broker`, `sluice ui`) has no connectors: the list is empty.
 */
import os from 'node:os';
import { z } from 'zod';
import { UnknownConnectorError } from '../../core/worker/errors.js';
import type { ConnectorInfo } from '../../core/worker/app-info.js';
import type { ApiContext, ManagedApp } from '../context.js';
import { maskSecrets } from '../mask-secrets.js';
import { route } from '../route.js';
import { connectorParams } from './params.js';

const state = z.enum(['RUNNING', 'PAUSED', 'UNASSIGNED', 'STOPPED', 'FAILED']);
const trace = z.string().optional().describe("a FAILED connector's error with its stack (Kafka Connect's trace)");
const connectorStatus = z.object({
  name: z.string(),
  connector: z.object({ state, worker_id: z.string(), trace }),
  tasks: z.array(z.object({ id: z.number().int(), state, worker_id: z.string(), trace })),
  type: z.enum(['source', 'sink']),
});
const connectorInfo = z.object({
  name: z.string(),
  config: z.record(z.unknown()).describe("the connector's config (secrets masked), with connector.class and topic/topics"),
  tasks: z.array(z.object({ connector: z.string(), task: z.number().int() })),
  type: z.enum(['source', 'sink']),
});
const expand = z.enum(['status', 'info']);

const workerId = (app: ManagedApp) => `${os.hostname()}/${app.id}`;

function find(ctx: ApiContext, name: string): { app: ManagedApp; info: ConnectorInfo } {
  const all = ctx.app?.connectorInfo() ?? [];
  const info = all.find((c) => c.name === name);
  if (!info) throw new UnknownConnectorError(name, all.map((c) => c.name));
  return { app: ctx.app!, info };
}

function status(app: ManagedApp, c: ConnectorInfo): z.output<typeof connectorStatus> {
  const w = workerId(app);
  // One task per connector: its failure is the connector's, and both show the trace.
  const t = c.trace === undefined ? {} : { trace: c.trace };
  return { name: c.name, connector: { state: c.state, worker_id: w, ...t }, tasks: [{ id: 0, state: c.state, worker_id: w, ...t }], type: c.type };
}

function config(c: ConnectorInfo): Record<string, unknown> {
  return {
    'connector.class': c.plugin ?? 'custom',
    name: c.name,
    ...(c.type === 'sink' ? { topics: c.topics.join(',') } : c.topics.length ? { topic: c.topics[0] } : {}),
    ...(maskSecrets(c.config ?? {}) as Record<string, unknown>),
  };
}

function info(c: ConnectorInfo): z.output<typeof connectorInfo> {
  return { name: c.name, config: config(c), tasks: [{ connector: c.name, task: 0 }], type: c.type };
}

export const connectorRoutes = [
  route({
    method: 'GET',
    path: '/connectors',
    tag: 'connectors',
    summary: "the connectors' names; with expand=status and/or expand=info, an object of each one's status/info",
    query: z.object({ expand: z.union([expand, z.array(expand)]).optional() }),
    response: z.union([z.array(z.string()), z.record(z.object({ status: connectorStatus.optional(), info: connectorInfo.optional() }))]),
    async handler({ query }, ctx) {
      const all = ctx.app?.connectorInfo() ?? [];
      const want = query.expand === undefined ? [] : ([] as string[]).concat(query.expand);
      if (want.length === 0) return all.map((c) => c.name);
      return Object.fromEntries(all.map((c) => [c.name, { ...(want.includes('status') ? { status: status(ctx.app!, c) } : {}), ...(want.includes('info') ? { info: info(c) } : {}) }]));
    },
  }),
  route({
    method: 'GET',
    path: '/connectors/{name}',
    tag: 'connectors',
    summary: "a connector's config and tasks",
    params: connectorParams,
    response: connectorInfo,
    handler: async ({ params }, ctx) => info(find(ctx, params.name).info),
  }),
  route({
    method: 'GET',
    path: '/connectors/{name}/config',
    tag: 'connectors',
    summary: "a connector's config (secrets masked)",
    params: connectorParams,
    response: z.record(z.unknown()),
    handler: async ({ params }, ctx) => config(find(ctx, params.name).info),
  }),
  route({
    method: 'GET',
    path: '/connectors/{name}/status',
    tag: 'connectors',
    summary: "a connector's state and its task's",
    params: connectorParams,
    response: connectorStatus,
    async handler({ params }, ctx) {
      const { app, info: c } = find(ctx, params.name);
      return status(app, c);
    },
  }),
  route({
    method: 'PUT',
    path: '/connectors/{name}/pause',
    tag: 'connectors',
    summary: 'pause: a source stops polling, a sink stops consuming, after the batch in flight (202)',
    status: 202,
    params: connectorParams,
    async handler({ params }, ctx) {
      find(ctx, params.name).app.pauseConnector(params.name);
    },
  }),
  route({
    method: 'PUT',
    path: '/connectors/{name}/resume',
    tag: 'connectors',
    summary: 'resume a paused connector (202)',
    status: 202,
    params: connectorParams,
    async handler({ params }, ctx) {
      find(ctx, params.name).app.resumeConnector(params.name);
    },
  }),
  route({
    method: 'POST',
    path: '/connectors/{name}/restart',
    tag: 'connectors',
    summary: 'stop the connector (its batch in flight committed) and start it again from its committed offsets (204)',
    status: 204,
    params: connectorParams,
    async handler({ params }, ctx) {
      await find(ctx, params.name).app.restartConnector(params.name);
    },
  }),
  route({
    method: 'GET',
    path: '/connectors/{name}/offsets',
    tag: 'connectors',
    summary: "a source's committed source offsets per source partition, or a sink's committed topic offsets (Kafka Connect's shape)",
    params: connectorParams,
    response: z.object({ offsets: z.array(z.object({ partition: z.record(z.unknown()), offset: z.record(z.unknown()) })) }),
    async handler({ params }, ctx) {
      const { app, info: c } = find(ctx, params.name);
      if (c.type === 'source') {
        const offsets = await app.sourceOffsets(c.name);
        return { offsets: [...offsets].map(([partition, offset]) => ({ partition: { source_partition: partition }, offset: offset !== null && typeof offset === 'object' && !Array.isArray(offset) ? offset : { offset } })) };
      }
      const groups = await ctx.client.admin().listGroups();
      if (!c.groupId || !groups.includes(c.groupId)) return { offsets: [] };
      const d = await ctx.client.admin().describeGroup(c.groupId);
      return { offsets: d.offsets.map((o) => ({ partition: { kafka_topic: o.topic, kafka_partition: o.partition }, offset: { kafka_offset: o.committed } })) };
    },
  }),
];

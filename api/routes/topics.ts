/** Topics: list, describe (partitions, offsets, sizes, configs), create, delete, alter configs, add partitions. */
import { z } from 'zod';
import { TopicExistsError, UnknownTopicError } from '../../core/errors.js';
import type { LogClient } from '../../core/client/types.js';
import { route } from '../route.js';
import { topicName, topicParams } from './params.js';

const partitionInfo = z.object({ partition: z.number().int(), logStartOffset: z.number().int(), highWatermark: z.number().int(), sizeBytes: z.number().int() });
const topicSummary = z.object({ name: z.string(), partitions: z.number().int(), internal: z.boolean(), messages: z.number().int().describe('records between log start and end, over all partitions'), sizeBytes: z.number().int() });
const topicDescription = z.object({
  name: z.string(),
  topicId: z.string(),
  internal: z.boolean(),
  partitions: z.array(partitionInfo),
  config: z.record(z.union([z.string(), z.number()])),
  overrides: z.array(z.string()).optional().describe('config keys set on the topic (the rest are defaults)'),
});
const configValue = z.union([z.string(), z.number()]);

/** The topic's description, or UnknownTopicError (404) when there is no such topic. */
export async function describeOrThrow(client: LogClient, topic: string) {
  const admin = client.admin();
  if (!(await admin.listTopics()).includes(topic)) throw new UnknownTopicError(topic);
  return admin.describeTopic(topic);
}

export const topicRoutes = [
  route({
    method: 'GET',
    path: '/api/topics',
    tag: 'topics',
    summary: 'list topics with their partition count, record count and size',
    query: z.object({ internal: z.enum(['true', 'false']).default('true').describe('include internal topics (__consumer_offsets, changelogs, …)') }),
    response: z.array(topicSummary),
    async handler({ query }, { client }) {
      const admin = client.admin();
      const out: Array<z.output<typeof topicSummary>> = [];
      for (const name of (await admin.listTopics()).sort()) {
        const d = await admin.describeTopic(name);
        if (d.internal && query.internal === 'false') continue;
        out.push({
          name,
          partitions: d.partitions.length,
          internal: d.internal,
          messages: d.partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0),
          sizeBytes: d.partitions.reduce((n, p) => n + p.sizeBytes, 0),
        });
      }
      return out;
    },
  }),
  route({
    method: 'POST',
    path: '/api/topics',
    tag: 'topics',
    summary: 'create a topic (409 when it exists)',
    status: 201,
    body: z.object({
      name: topicName,
      partitions: z.number().int().min(1).max(10_000).default(1),
      config: z.record(configValue).optional().describe("topic configs under Kafka's names (retention.ms, cleanup.policy, …)"),
    }).strict(),
    response: topicDescription,
    async handler({ body }, { client }) {
      const admin = client.admin();
      if (!(await admin.createTopic(body.name, { partitions: body.partitions, config: body.config }))) throw new TopicExistsError(body.name);
      return admin.describeTopic(body.name);
    },
  }),
  route({
    method: 'GET',
    path: '/api/topics/{topic}',
    tag: 'topics',
    summary: 'describe a topic: partitions with log start, end offset and size; configs',
    params: topicParams,
    response: topicDescription,
    handler: async ({ params }, { client }) => describeOrThrow(client, params.topic),
  }),
  route({
    method: 'DELETE',
    path: '/api/topics/{topic}',
    tag: 'topics',
    summary: 'delete a topic and its records',
    status: 204,
    params: topicParams,
    async handler({ params }, { client }) {
      await describeOrThrow(client, params.topic);
      await client.admin().deleteTopic(params.topic);
    },
  }),
  route({
    method: 'PUT',
    path: '/api/topics/{topic}/config',
    tag: 'topics',
    summary: 'set topic configs (null puts a key back to its default); answers the config after',
    params: topicParams,
    body: z.object({ config: z.record(z.union([z.string(), z.number(), z.null()])) }).strict(),
    response: z.record(configValue),
    async handler({ params, body }, { client }) {
      await describeOrThrow(client, params.topic);
      const changes = Object.fromEntries(Object.entries(body.config).map(([k, v]) => [k, v === null ? null : String(v)]));
      return client.admin().alterTopicConfig(params.topic, changes);
    },
  }),
  route({
    method: 'POST',
    path: '/api/topics/{topic}/partitions',
    tag: 'topics',
    summary: 'grow a topic to `count` partitions (never fewer)',
    params: topicParams,
    body: z.object({ count: z.number().int().min(1).max(10_000) }).strict(),
    response: topicDescription,
    async handler({ params, body }, { client }) {
      await describeOrThrow(client, params.topic);
      await client.admin().createPartitions(params.topic, body.count);
      return client.admin().describeTopic(params.topic);
    },
  }),
];

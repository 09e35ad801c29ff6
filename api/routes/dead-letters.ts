/**
 * Dead-letter topics (`<app>.dlq`): browse records with the reason and origin their headers carry,
 * and replay one to the topic it came from (its own headers kept, Sluice's error headers dropped,
 * `sluice.replayed.from` added so a replay can be told from the original).
 */
import { z } from 'zod';
import { UnknownPartitionError } from '../../core/errors.js';
import { HttpError } from '../http-errors.js';
import { readPartition } from '../partition-reader.js';
import { recordView, text } from '../record-view.js';
import { route } from '../route.js';
import { browse, browseQuery } from './messages.js';
import { describeOrThrow } from './topics.js';

const dlqParams = z.object({ topic: z.string().regex(/\.dlq$/, 'a dead-letter topic ends in .dlq').describe('a dead-letter topic, <app>.dlq') });
const recordParams = dlqParams.extend({ partition: z.coerce.number().int().min(0), offset: z.coerce.number().int().min(0) });

const deadLetter = recordView.extend({
  error: z.object({
    message: z.string().nullable(),
    class: z.string().nullable(),
    sourceTopic: z.string().nullable(),
    sourcePartition: z.number().int().nullable(),
    sourceOffset: z.number().int().nullable(),
    attempts: z.number().int().nullable(),
  }),
});

function errorOf(headers: Record<string, string>): z.output<typeof deadLetter>['error'] {
  const n = (k: string) => (headers[k] === undefined || headers[k] === '' ? null : Number(headers[k]));
  return {
    message: headers['sluice.error'] ?? null,
    class: headers['sluice.error.class'] ?? null,
    sourceTopic: headers['sluice.source.topic'] ?? null,
    sourcePartition: n('sluice.source.partition'),
    sourceOffset: n('sluice.source.offset'),
    attempts: n('sluice.attempts'),
  };
}

export const deadLetterRoutes = [
  route({
    method: 'GET',
    path: '/api/dead-letters',
    tag: 'dead letters',
    summary: 'the dead-letter topics (<app>.dlq) and how many records each holds',
    response: z.array(z.object({ topic: z.string(), partitions: z.number().int(), records: z.number().int() })),
    async handler(_i, { client }) {
      const admin = client.admin();
      const out = [];
      for (const t of (await admin.listTopics()).filter((t) => t.endsWith('.dlq')).sort()) {
        const d = await admin.describeTopic(t);
        out.push({ topic: t, partitions: d.partitions.length, records: d.partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0) });
      }
      return out;
    },
  }),
  route({
    method: 'GET',
    path: '/api/dead-letters/{topic}/partitions/{partition}/records',
    tag: 'dead letters',
    summary: 'browse dead letters with their error and origin (same query as messages)',
    params: dlqParams.extend({ partition: z.coerce.number().int().min(0) }),
    query: browseQuery,
    response: z.object({ topic: z.string(), partition: z.number().int(), records: z.array(deadLetter), nextOffset: z.number().int(), highWatermark: z.number().int() }),
    async handler({ params, query, signal }, ctx) {
      const r = await browse(ctx, params.topic, params.partition, query, signal);
      return { topic: r.topic, partition: r.partition, nextOffset: r.nextOffset, highWatermark: r.highWatermark, records: r.records.map((x) => ({ ...x, error: errorOf(x.headers) })) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/dead-letters/{topic}/partitions/{partition}/records/{offset}/replay',
    tag: 'dead letters',
    summary: 'write a dead letter again to its source topic and partition (sluice.source.topic/partition), with its own headers',
    params: recordParams,
    response: z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() }),
    async handler({ params, signal }, { client }) {
      const d = await describeOrThrow(client, params.topic);
      if (!d.partitions.some((p) => p.partition === params.partition)) throw new UnknownPartitionError(params.topic, params.partition);
      const read = await readPartition(client, params.topic, params.partition, params.offset, 1, signal);
      const rec = read.records.find((r) => r.offset === params.offset);
      if (!rec) throw new HttpError(404, `no record at offset ${params.offset} of ${params.topic}/${params.partition} (log start ${read.logStartOffset}, end ${read.highWatermark})`);
      const target = rec.headers['sluice.source.topic'] ? text(rec.headers['sluice.source.topic']) : '';
      if (!target) throw new HttpError(400, `${params.topic}/${params.partition}@${params.offset} has no sluice.source.topic header: nowhere to replay it to`);
      const targetPartitions = (await describeOrThrow(client, target)).partitions.length;
      // Back to the partition it was read from, where that still exists (a source's record has none: -1).
      const from = Number(rec.headers['sluice.source.partition'] ? text(rec.headers['sluice.source.partition']) : -1);
      const partition = Number.isInteger(from) && from >= 0 && from < targetPartitions ? from : undefined;
      const headers: Record<string, Buffer | string> = {};
      for (const [k, v] of Object.entries(rec.headers)) if (!k.startsWith('sluice.')) headers[k] = v;
      headers['sluice.replayed.from'] = `${params.topic}/${params.partition}/${params.offset}`;
      const producer = client.producer();
      try {
        const [m] = await producer.send(target, [{ key: rec.key, value: rec.value, headers, timestamp: rec.timestamp, partition }]);
        return { topic: target, partition: m!.partition, offset: m!.baseOffset };
      } finally {
        await producer.close();
      }
    },
  }),
];

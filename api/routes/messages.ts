/**
 * Messages: browse a partition from an offset or a timestamp (or its last records), filtered by
 * key or a text match, decoded as text, JSON or hex, headers included; produce a test record.
 */
import { z } from 'zod';
import { UnknownPartitionError } from '../../core/errors.js';
import { HttpError } from '../http-errors.js';
import { readPartition } from '../partition-reader.js';
import { decodeSchema, matches, recordView, viewRecord, type RecordView } from '../record-view.js';
import { route } from '../route.js';
import { describeOrThrow } from './topics.js';
import { partitionParams, topicParams } from './params.js';
import type { ApiContext } from '../context.js';

/** Records scanned at most per request when filtering (the answer's nextOffset continues the scan). */
const SCAN_LIMIT = 10_000;

export const browseQuery = z.object({
  offset: z.coerce.number().int().min(0).optional().describe('first offset to read (default: the last `limit` records)'),
  timestamp: z.coerce.number().int().min(0).optional().describe('start at the first record at or after this time (ms since the epoch)'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('most records to answer'),
  key: z.string().optional().describe('only records whose key (as UTF-8) equals this'),
  q: z.string().min(1).max(200).optional().describe('only records whose key, value or headers contain this text (case-insensitive)'),
  decode: decodeSchema,
});

export const browseResponse = z.object({
  topic: z.string(),
  partition: z.number().int(),
  logStartOffset: z.number().int(),
  highWatermark: z.number().int(),
  records: z.array(recordView),
  nextOffset: z.number().int().describe('where to continue reading'),
  scanned: z.number().int().describe('records read to find these'),
});

export async function browse(ctx: ApiContext, topic: string, partition: number, query: z.output<typeof browseQuery>, signal: AbortSignal) {
  if (query.offset !== undefined && query.timestamp !== undefined) throw new HttpError(400, 'query.offset, query.timestamp: give one of them');
  const d = await describeOrThrow(ctx.client, topic);
  const p = d.partitions.find((x) => x.partition === partition);
  if (!p) throw new UnknownPartitionError(topic, partition);
  let start: number;
  if (query.offset !== undefined) {
    if (query.offset > p.highWatermark) throw new HttpError(400, `query.offset: ${query.offset} is past the end of ${topic}/${partition} (${p.highWatermark})`);
    start = Math.max(query.offset, p.logStartOffset);
  } else if (query.timestamp !== undefined) {
    const at = (await ctx.client.admin().listOffsets(topic, { timestamp: query.timestamp })).find((o) => o.partition === partition)?.offset ?? -1;
    start = at < 0 ? p.highWatermark : at;
  } else start = Math.max(p.logStartOffset, p.highWatermark - query.limit);
  const filtering = query.key !== undefined || query.q !== undefined;
  const out: RecordView[] = [];
  let next = start;
  let scanned = 0;
  let end = p.highWatermark;
  while (out.length < query.limit && next < end && scanned < SCAN_LIMIT && !signal.aborted) {
    const read = await readPartition(ctx.client, topic, partition, next, filtering ? 1000 : query.limit - out.length, signal);
    end = read.highWatermark;
    if (read.records.length === 0) break;
    for (const r of read.records) {
      next = r.offset + 1;
      scanned++;
      if (!filtering || matches(r, query.key, query.q)) out.push(viewRecord(partition, r, query.decode));
      if (out.length >= query.limit) break;
    }
  }
  return { topic, partition, logStartOffset: p.logStartOffset, highWatermark: end, records: out, nextOffset: next, scanned };
}

export const messageRoutes = [
  route({
    method: 'GET',
    path: '/api/topics/{topic}/partitions/{partition}/messages',
    tag: 'messages',
    summary: 'browse records of a partition (headers included), from an offset, a time or the end; filter by key or text',
    params: partitionParams,
    query: browseQuery,
    response: browseResponse,
    handler: ({ params, query, signal }, ctx) => browse(ctx, params.topic, params.partition, query, signal),
  }),
  route({
    method: 'POST',
    path: '/api/topics/{topic}/messages',
    tag: 'messages',
    summary: 'produce a test record (key and value as text; without a partition the default partitioner picks one)',
    status: 201,
    params: topicParams,
    body: z
      .object({
        partition: z.number().int().min(0).optional(),
        key: z.string().nullable().default(null),
        value: z.string().nullable().describe('null: a tombstone'),
        headers: z.record(z.string()).default({}),
      })
      .strict(),
    response: z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() }),
    async handler({ params, body }, { client }) {
      const d = await describeOrThrow(client, params.topic);
      if (body.partition !== undefined && body.partition >= d.partitions.length) throw new UnknownPartitionError(params.topic, body.partition);
      const producer = client.producer();
      try {
        const [m] = await producer.send(params.topic, [{ key: body.key, value: body.value, headers: body.headers, partition: body.partition }]);
        return { topic: params.topic, partition: m!.partition, offset: m!.baseOffset };
      } finally {
        await producer.close();
      }
    },
  }),
];

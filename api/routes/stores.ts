/**
 * Interactive queries (Kafka Streams' KafkaStreams#store, over this process's tasks): the app's
 * state stores with their kind and partitions, a key's value, and a range of keys. A key is text
 * written the way the DSL writes keys: JSON with the default serde (`"alice"`, `42`,
 * `{"id":1}`), the key serde's text otherwise. Each partition's store is read where its task runs;
 * a store's answer gathers its partitions, in serialized-key order within each.
 */
import { z } from 'zod';
import type { StoreInfo } from '../../core/worker/app-info.js';
import { StoreKeyError } from '../../core/worker/errors.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-errors.js';
import { route } from '../route.js';

const kind = z.enum(['key-value', 'window', 'session']);
const storeSummary = z.object({
  name: z.string(),
  kind,
  pipeline: z.string().describe('the pipeline whose tasks hold it'),
  partitions: z.array(z.number().int()).describe('the partitions whose tasks run in this process'),
  changelog: z.string().nullable().describe('its compacted changelog topic (null: not logged)'),
});
const storesResponse = z.object({ app: z.string().nullable(), stores: z.array(storeSummary) });
const entry = z.object({
  key: z.unknown(),
  value: z.unknown(),
  partition: z.number().int(),
  window: z.object({ start: z.number(), end: z.number() }).optional().describe("a window or session store's window (ms since the epoch)"),
});
const entriesResponse = z.object({ store: z.string(), kind, entries: z.array(entry), more: z.boolean().describe('true: `limit` cut the answer short') });

const storeName = z.string().min(1).describe('a state store name');
const keyParams = z.object({ name: storeName, key: z.string().describe('the key as text: JSON with the default serde (`"alice"`, `42`), the key serde\'s text otherwise') });
const rangeQuery = z.object({
  from: z.string().optional().describe('the first key of the range (as `key`), inclusive; absent: from the first key'),
  to: z.string().optional().describe('the last key of the range, inclusive; absent: to the last key'),
  limit: z.coerce.number().int().min(1).max(10000).default(100).describe('at most this many entries'),
});

/** The store's partitions in this process, or 404 naming those there are. */
function partitionsOf(ctx: ApiContext, name: string): StoreInfo[] {
  const all = ctx.app?.storeInfo?.() ?? [];
  const found = all.filter((s) => s.name === name);
  if (found.length === 0) {
    const known = [...new Set(all.map((s) => s.name))];
    throw new HttpError(404, `store "${name}" does not exist${known.length ? `; this app has ${known.join(', ')}` : ctx.app ? '; this app has no queryable stores running' : '; this process runs no app'}`);
  }
  return found;
}

/** A key the store's serde does not parse: 400 naming the parameter it came in. */
async function asParameter<T>(field: (text: string) => string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof StoreKeyError) throw new HttpError(400, `${field(err.text)}: ${err.message}`);
    throw err;
  }
}

export const storeRoutes = [
  route({
    method: 'GET',
    path: '/api/stores',
    tag: 'stores',
    summary: "the app's state stores with their kind and the partitions running in this process",
    response: storesResponse,
    handler: async (_i, ctx) => {
      const by = new Map<string, z.output<typeof storeSummary>>();
      for (const s of ctx.app?.storeInfo?.() ?? []) {
        const e = by.get(s.name);
        if (e) e.partitions.push(s.partition);
        else by.set(s.name, { name: s.name, kind: s.kind, pipeline: s.pipeline, partitions: [s.partition], changelog: s.changelog ?? null });
      }
      return { app: ctx.app?.id ?? null, stores: [...by.values()] };
    },
  }),
  route({
    method: 'GET',
    path: '/api/stores/{name}/keys/{key}',
    tag: 'stores',
    summary: "a key's value (a window or session store: each of its windows); 404 if the key is absent",
    params: keyParams,
    response: entriesResponse,
    handler: async ({ params }, ctx) => {
      const parts = partitionsOf(ctx, params.name);
      const entries = [];
      for (const s of parts) for (const e of await asParameter(() => 'path.key', () => s.query.get(params.key))) entries.push({ ...e, partition: s.partition });
      if (entries.length === 0) throw new HttpError(404, `key ${params.key} is not in store "${params.name}"`);
      return { store: params.name, kind: parts[0]!.kind, entries, more: false };
    },
  }),
  route({
    method: 'GET',
    path: '/api/stores/{name}',
    tag: 'stores',
    summary: 'entries whose key is in [from, to] (all without them), up to `limit`, windowed ones with their window',
    params: z.object({ name: storeName }),
    query: rangeQuery,
    response: entriesResponse,
    handler: async ({ params, query }, ctx) => {
      const parts = partitionsOf(ctx, params.name);
      const entries = [];
      let more = false;
      for (const s of parts) {
        // One more than fits tells whether the answer was cut short.
        const got = await asParameter((text) => (text === query.from ? 'query.from' : 'query.to'), () =>
          s.query.range(query.from, query.to, query.limit - entries.length + 1),
        );
        for (const e of got) {
          if (entries.length === query.limit) {
            more = true;
            break;
          }
          entries.push({ ...e, partition: s.partition });
        }
        if (more) break;
      }
      return { store: params.name, kind: parts[0]!.kind, entries, more };
    },
  }),
];

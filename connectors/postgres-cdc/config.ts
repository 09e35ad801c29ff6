/** The postgres-cdc source's configuration. */
import { z } from 'zod';

const ident = /^[a-z_][a-z0-9_$]*$/;

export const postgresCdcConfig = z
  .object({
    connectionString: z.string().min(1).describe('postgres://user:password@host:port/database; the user needs REPLICATION (or superuser)'),
    tables: z.array(z.string().regex(/^[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/, 'tables are written schema.table')).min(1).describe('tables to capture, e.g. [public.orders]'),
    slot: z.string().regex(ident, 'a slot name is lower-case letters, digits and _').default('sluice').describe('logical replication slot (created with pgoutput when missing)'),
    publication: z.string().regex(ident, 'a publication name is lower-case letters, digits and _').default('sluice').describe('publication (created FOR TABLE <tables> when missing)'),
    snapshot: z.enum(['initial', 'never']).default('initial').describe('initial: read the tables once, consistent with the slot, before streaming'),
    topicPrefix: z.string().min(1).default('pg').describe('records go to <topicPrefix>.<schema>.<table>'),
    heartbeatIntervalMs: z.number().int().min(100).default(10_000).describe('how often the confirmed LSN is sent while idle'),
    snapshotFetchRows: z.number().int().min(1).default(10_000).describe('rows read per poll during the snapshot'),
  })
  .strict();

export type PostgresCdcConfig = z.output<typeof postgresCdcConfig>;

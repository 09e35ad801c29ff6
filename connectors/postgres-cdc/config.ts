/** The postgres-cdc source's configuration. */
import { z } from 'zod';

/** A slot name is what Postgres allows (lower case, digits, _); a publication name the same plus $. At most 63 bytes. */
const slotName = /^[a-z_][a-z0-9_]{0,62}$/;
const publicationName = /^[a-z_][a-z0-9_$]{0,62}$/;
/** schema.table, each part a plain name of at most 63 characters; matched exactly (case-sensitive), as in the catalog. */
const table = /^[A-Za-z_][\w$]{0,62}\.[A-Za-z_][\w$]{0,62}$/;

export const postgresCdcConfig = z
  .object({
    connectionString: z.string().min(1).describe('postgres://user:password@host:port/database; the user needs REPLICATION (or superuser)'),
    tables: z.array(z.string().regex(table, 'tables are written schema.table (letters, digits, _ and $; at most 63 characters each)')).min(1).describe('tables to capture, e.g. [public.orders]; exact names (case-sensitive)'),
    slot: z.string().regex(slotName, 'a slot name is lower-case letters, digits and _ (at most 63)').default('sluice').describe('logical replication slot (created with pgoutput when missing)'),
    publication: z.string().regex(publicationName, 'a publication name is lower-case letters, digits and _ (at most 63)').default('sluice').describe('publication (created FOR TABLE <tables> when missing)'),
    snapshot: z
      .enum(['initial', 'never', 'when_needed'])
      .default('initial')
      .describe('initial: read the tables once, consistent with the slot, before streaming; never: stream only; when_needed: as initial, and read them again when the slot lost changes after the stored offset'),
    topicPrefix: z.string().min(1).default('pg').describe('records go to <topicPrefix>.<schema>.<table>'),
    heartbeatIntervalMs: z.number().int().min(100).default(10_000).describe('how often, while idle, the position is stored (a record on <topicPrefix>.heartbeat) and confirmed to the slot'),
    snapshotFetchRows: z.number().int().min(1).default(10_000).describe('rows read per poll during the snapshot'),
    reconnectTimeoutMs: z.number().int().min(0).default(60_000).describe('how long a broken replication connection is retried (with backoff) before the app fails'),
  })
  .strict();

export type PostgresCdcConfig = z.output<typeof postgresCdcConfig>;

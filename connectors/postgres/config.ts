/** The postgres sink's configuration (zod: defaults, descriptions, and the field named on error). */
import { z } from 'zod';

export const postgresSinkConfig = z
  .object({
    connectionString: z.string().min(1).describe('postgres://user:password@host:port/database of the target'),
    table: z
      .string()
      .min(1)
      .describe('target table, "schema.table" or "table" (schema public); "{topic}" is replaced by the topic\'s last dot-separated segment'),
    primaryKey: z.array(z.string().min(1)).min(1).optional().describe('key columns; default: the fields of the record key (a JSON object)'),
    mode: z.enum(['upsert', 'insert']).default('upsert').describe('upsert: INSERT … ON CONFLICT DO UPDATE; insert: INSERT … ON CONFLICT DO NOTHING'),
    unwrap: z.enum(['none', 'debezium']).default('none').describe('debezium: write the envelope\'s "after", delete on op "d" (or a tombstone), truncate on op "t"'),
    autoCreate: z.boolean().default(false).describe('create a missing table from the first records (types inferred from the JSON values)'),
    unknownFields: z.enum(['error', 'ignore']).default('error').describe('a field with no column: dead-letter the record (error) or drop the field (ignore)'),
    maxRowsPerStatement: z.number().int().min(1).max(10_000).default(1000).describe('rows per INSERT when a column is an array (multi-row VALUES, a bind parameter per value); other tables take at least 5 000 rows per unnest INSERT'),
  })
  .strict();

export type PostgresSinkConfig = z.output<typeof postgresSinkConfig>;

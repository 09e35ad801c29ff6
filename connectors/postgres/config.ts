/** The postgres sink's configuration (zod: defaults, descriptions, and the field named on error). */
import { z } from 'zod';
import { identifierProblem } from './identifier.js';
import { parseTableName } from './table.js';

/** A zod refinement: every part of a (possibly "schema.") name can be a Postgres name. */
const postgresName = (parts: (s: string) => string[]) => (s: string, ctx: z.RefinementCtx) => {
  for (const part of parts(s)) {
    const problem = identifierProblem(part);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(part)} ${problem}` });
  }
};

export const postgresSinkConfig = z
  .object({
    connectionString: z.string().min(1).describe('postgres://user:password@host:port/database of the target'),
    table: z
      .string()
      .min(1)
      .superRefine(postgresName((t) => Object.values(parseTableName(t)).filter((p) => !p.includes('{topic}'))))
      .describe('target table, "schema.table" or "table" (schema public), names exact (case-sensitive); "{topic}" is replaced by the topic\'s last dot-separated segment'),
    primaryKey: z.array(z.string().min(1).superRefine(postgresName((c) => [c]))).min(1).optional().describe('key columns; default: the fields of the record key (a JSON object)'),
    mode: z.enum(['upsert', 'insert']).default('upsert').describe('upsert: INSERT … ON CONFLICT DO UPDATE; insert: INSERT … ON CONFLICT DO NOTHING'),
    unwrap: z.enum(['none', 'debezium']).default('none').describe('debezium: write the envelope\'s "after", delete on op "d" (or a tombstone), truncate on op "t"'),
    autoCreate: z.boolean().default(false).describe('create a missing table from the first records (types inferred from the JSON values)'),
    unknownFields: z.enum(['error', 'ignore']).default('error').describe('a field with no column: dead-letter the record (error) or drop the field (ignore)'),
    copy: z
      .boolean()
      .default(true)
      .describe('write each batch with COPY into a temporary table and one INSERT … ON CONFLICT (needs the TEMPORARY privilege on the database, and a session of its own: not through a transaction-pooling proxy); false: INSERT … SELECT unnest(…) statements'),
    maxRowsPerStatement: z.number().int().min(1).max(10_000).default(1000).describe('copy: false: rows per INSERT when a column is an array (multi-row VALUES, a bind parameter per value); other tables take at least 5 000 rows per unnest INSERT'),
  })
  .strict();

export type PostgresSinkConfig = z.output<typeof postgresSinkConfig>;

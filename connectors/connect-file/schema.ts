/**
 * The `sluice connect` file: an app of sources and sinks, validated by zod (each connector's own
 * config by its own schema, each transform by its type's), so a mistake is reported with the path
 * of the field.
 */
import { z } from 'zod';
import { kafkaSecuritySchema } from '../../core/client/kafka/security.js';
import { errorPolicySchema } from '../../core/worker/error-policy.js';
import { groupOptionsSchema } from '../../core/worker/group-options.js';

const flushSchema = z.union([z.enum(['always', 'never']), z.object({ intervalMs: z.number().int().min(1) })]);
const name = z.string().regex(/^[a-zA-Z0-9._-]+$/, 'use ASCII letters, digits, ".", "_" and "-"');
/** Checked against the schema its `type` names (connectors/transforms parseTransform). */
const transformEntry = z.record(z.unknown());

export const connectFileSchema = z
  .object({
    app: z.string().regex(/^[a-zA-Z0-9._-]{1,200}$/, 'use ASCII letters, digits, ".", "_" and "-"').describe('the app id: names its consumer groups, dead-letter topic and source-offsets topic'),
    dataDir: z.string().optional().describe('the embedded log (relative paths are relative to this file)'),
    brokers: z.array(z.string()).min(1).optional().describe('a Kafka cluster (or sluice broker) instead of the embedded log'),
    security: kafkaSecuritySchema.optional().describe('SASL and TLS for brokers (PEM paths relative to this file)'),
    flush: flushSchema.optional().describe('the embedded log\'s flush policy: always (default), never, or { intervalMs }'),
    errors: errorPolicySchema.partial().optional().describe('the error policy: retries, backoffMs, maxBackoffMs, onFailure'),
    batch: z.object({ maxRecords: z.number().int().min(1).optional(), maxWaitMs: z.number().int().min(0).optional() }).strict().optional(),
    partitions: z.number().int().min(1).default(1).describe('partitions of topics the app creates'),
    autoCreateTopics: z.boolean().default(true).describe("a source record for a topic that does not exist (a Route transform's target) creates it; false dead-letters it"),
    group: groupOptionsSchema.optional().describe("the workers' consumer-group timeouts (as the App's group option)"),
    metricsPort: z.number().int().min(0).max(65535).optional().describe('serve /metrics and /health on this port'),
    sources: z
      .array(
        z
          .object({
            connector: z.string(),
            name: name.optional(),
            topic: z.string().optional().describe('where the records go; not for a source that names its own topics (postgres-cdc)'),
            config: z.record(z.unknown()).default({}),
            transforms: z.array(transformEntry).default([]),
          })
          .strict(),
      )
      .default([]),
    sinks: z
      .array(
        z
          .object({
            connector: z.string(),
            name: name.optional(),
            topics: z.array(z.string()).min(1),
            config: z.record(z.unknown()).default({}),
            transforms: z.array(transformEntry).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .refine((c) => !(c.dataDir && c.brokers), { message: 'give either dataDir or brokers, not both', path: ['brokers'] })
  .refine((c) => !(c.security && !c.brokers), { message: 'security applies to brokers; the embedded log has no connection to secure', path: ['security'] })
  .refine((c) => c.sources.length + c.sinks.length > 0, { message: 'needs at least one source or sink', path: ['sources'] });

export type ConnectFile = z.output<typeof connectFileSchema>;

/** "sources[0].config.path" from a prefix and a zod path. */
export function fieldPath(prefix: string, path: Array<string | number>): string {
  return [prefix, ...path.map((x) => (typeof x === 'number' ? `[${x}]` : x))].filter((x) => x !== '').join('.').replace(/\.\[/g, '[') || '(top level)';
}

/** "sources[0].config.path: Required" — the first issues, with their field paths. */
export function describeZodError(err: z.ZodError, prefix = ''): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${fieldPath(prefix, i.path)}: ${i.message}`)
    .join('; ');
}

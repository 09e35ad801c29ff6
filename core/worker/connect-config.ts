/**
 * The `sluice connect` file: an app of sources and sinks, validated by zod (each connector's own
 * config by its own schema), so a mistake is reported with the path of the field.
 */
import { z } from 'zod';
import { kafkaSecuritySchema } from '../client/kafka/security.js';
import { transformSchema } from '../../connectors/transforms/index.js';
import { errorPolicySchema } from './error-policy.js';
import { groupOptionsSchema } from './group-options.js';

const flushSchema = z.union([z.enum(['always', 'never']), z.object({ intervalMs: z.number().int().min(1) })]);

export const connectFileSchema = z
  .object({
    app: z.string().regex(/^[a-zA-Z0-9._-]{1,200}$/, 'use ASCII letters, digits, ".", "_" and "-"'),
    dataDir: z.string().optional().describe('the embedded log (relative paths are relative to this file)'),
    brokers: z.array(z.string()).min(1).optional().describe('a Kafka cluster (or sluice broker) instead of the embedded log'),
    security: kafkaSecuritySchema.optional().describe('SASL and TLS for brokers (PEM paths relative to this file)'),
    flush: flushSchema.optional(),
    errors: errorPolicySchema.partial().optional(),
    batch: z.object({ maxRecords: z.number().int().min(1).optional(), maxWaitMs: z.number().int().min(0).optional() }).optional(),
    partitions: z.number().int().min(1).default(1).describe('partitions of topics the app creates'),
    autoCreateTopics: z.boolean().default(true).describe("a source record for a topic that does not exist (a Route transform's target) creates it; false dead-letters it"),
    group: groupOptionsSchema.optional().describe("the workers' consumer-group timeouts (as the App's group option)"),
    metricsPort: z.number().int().min(0).max(65535).optional(),
    sources: z
      .array(
        z.object({
          connector: z.string(),
          name: z.string().regex(/^[a-zA-Z0-9._-]+$/).optional(),
          topic: z.string().optional().describe('where the records go; not for a source that names its own topics (postgres-cdc)'),
          config: z.record(z.unknown()).default({}),
          transforms: z.array(transformSchema).default([]),
        }),
      )
      .default([]),
    sinks: z
      .array(
        z.object({
          connector: z.string(),
          name: z.string().regex(/^[a-zA-Z0-9._-]+$/).optional(),
          topics: z.array(z.string()).min(1),
          config: z.record(z.unknown()).default({}),
          transforms: z.array(transformSchema).default([]),
        }),
      )
      .default([]),
  })
  .refine((c) => !(c.dataDir && c.brokers), { message: 'give either dataDir or brokers, not both', path: ['brokers'] })
  .refine((c) => !(c.security && !c.brokers), { message: 'security applies to brokers; the embedded log has no connection to secure', path: ['security'] })
  .refine((c) => c.sources.length + c.sinks.length > 0, { message: 'needs at least one source or sink', path: ['sources'] });

export type ConnectFile = z.output<typeof connectFileSchema>;

/** "sources.0.config.path: Required" — the first issue, with its field path. */
export function describeZodError(err: z.ZodError, prefix = ''): string {
  return err.issues
    .slice(0, 3)
    .map((i) => {
      const p = [prefix, ...i.path.map((x) => (typeof x === 'number' ? `[${x}]` : x))].filter((x) => x !== '').join('.').replace(/\.\[/g, '[');
      return `${p || '(top level)'}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Connector plugins in Kafka Connect's shape: the list, each one's config definition (read from
 * its zod schema) and validation of a config against it. A plugin's class is `<name>-<kind>`
 * (`file-source`, `postgres-cdc-source`, `redis-sink`): one name may be a source and a sink.
 */
import { z } from 'zod';
import { configFields } from '../../connectors/config-fields.js';
import { listConnectors } from '../../connectors/registry.js';
import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { HttpError } from '../http-errors.js';
import { jsonSchema } from '../json-schema.js';
import { route } from '../route.js';

const VERSION = '0.1.0';
const pluginParams = z.object({ plugin: z.string().min(1).describe('a plugin class: <connector>-source or <connector>-sink') });
const className = (d: ConnectorDefinition) => `${d.name}-${d.kind}`;

async function findPlugin(plugin: string): Promise<ConnectorDefinition> {
  const all = await listConnectors();
  const def = all.find((d) => className(d) === plugin);
  if (!def) throw new HttpError(404, `no connector plugin "${plugin}"; known: ${all.map(className).sort().join(', ')}`);
  return def;
}

const configDefinition = z.object({
  name: z.string(),
  type: z.string(),
  required: z.boolean(),
  default_value: z.string().nullable(),
  importance: z.enum(['HIGH', 'MEDIUM']),
  documentation: z.string(),
  group: z.string(),
  order: z.number().int(),
  dependents: z.array(z.string()),
});

function definitions(def: ConnectorDefinition): Array<z.output<typeof configDefinition>> {
  return configFields(def.config).map((f, i) => ({
    name: f.name,
    type: f.type.replace(/`/g, ''),
    required: f.required,
    default_value: f.default ?? null,
    importance: f.required ? 'HIGH' : 'MEDIUM',
    documentation: f.description,
    group: def.name,
    order: i + 1,
    dependents: [],
  }));
}

export const pluginRoutes = [
  route({
    method: 'GET',
    path: '/connector-plugins',
    tag: 'connectors',
    summary: 'the connector plugins this process can run, with their config as JSON Schema',
    response: z.array(z.object({ class: z.string(), type: z.enum(['source', 'sink']), version: z.string(), description: z.string(), config: z.record(z.unknown()).describe('JSON Schema of the config') })),
    async handler() {
      return (await listConnectors())
        .map((d) => ({ class: className(d), type: d.kind, version: VERSION, description: d.description, config: jsonSchema(d.config) }))
        .sort((a, b) => a.class.localeCompare(b.class));
    },
  }),
  route({
    method: 'GET',
    path: '/connector-plugins/{plugin}/config',
    tag: 'connectors',
    summary: "a plugin's config definitions (Kafka Connect's ConfigKeyInfo list)",
    params: pluginParams,
    response: z.array(configDefinition),
    handler: async ({ params }) => definitions(await findPlugin(params.plugin)),
  }),
  route({
    method: 'PUT',
    path: '/connector-plugins/{plugin}/config/validate',
    tag: 'connectors',
    summary: "validate a config against a plugin's schema: each field with its errors (Kafka Connect's ConfigInfos); nothing is started",
    params: pluginParams,
    body: z.record(z.unknown()).describe("the config; Kafka Connect's connector.class, name, topic(s) and tasks.max are accepted and ignored"),
    response: z.object({
      name: z.string(),
      error_count: z.number().int(),
      groups: z.array(z.string()),
      configs: z.array(z.object({ definition: configDefinition, value: z.object({ name: z.string(), value: z.unknown(), recommended_values: z.array(z.unknown()), errors: z.array(z.string()), visible: z.boolean() }) })),
    }),
    async handler({ params, body }) {
      const def = await findPlugin(params.plugin);
      const { 'connector.class': _c, name: _n, 'tasks.max': _t, topic: _tp, topics: _tps, ...config } = body;
      const result = def.config.safeParse(config);
      const errors = new Map<string, string[]>();
      if (!result.success) {
        for (const issue of result.error.issues) {
          const field = String(issue.path[0] ?? '');
          const message = issue.path.length > 1 ? `${issue.path.slice(1).join('.')}: ${issue.message}` : issue.message;
          errors.set(field, [...(errors.get(field) ?? []), message]);
        }
      }
      const defs = definitions(def);
      const configs = defs.map((d) => ({ definition: d, value: { name: d.name, value: config[d.name] ?? null, recommended_values: [], errors: errors.get(d.name) ?? [], visible: true } }));
      // Errors about no single field (a refinement over several) and unknown fields get an entry of their own.
      for (const [field, list] of errors) {
        if (defs.some((d) => d.name === field)) continue;
        configs.push({
          definition: { name: field, type: 'unknown', required: false, default_value: null, importance: 'MEDIUM', documentation: '', group: def.name, order: configs.length + 1, dependents: [] },
          value: { name: field, value: field ? (config[field] ?? null) : null, recommended_values: [], errors: list, visible: true },
        });
      }
      return { name: className(def), error_count: [...errors.values()].reduce((n, l) => n + l.length, 0), groups: [def.name], configs };
    },
  }),
];

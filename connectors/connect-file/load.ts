/**
 * Reading a connect file: the text (YAML or JSON), `${env:…}` references, the file's own schema,
 * unknown keys, each connector looked up in the registry and its config checked by its schema,
 * each transform by its type's. Nothing starts here: `sluice connect --validate` is exactly this.
 * Every mistake is one AppConfigError naming the file and the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { AppConfigError } from '../../core/worker/errors.js';
import { getConnector } from '../registry.js';
import { parseTransform, transformDefinitions, type TransformConfig } from '../transforms/index.js';
import { resolveEnvReferences } from './env.js';
import { connectFileSchema, describeZodError, fieldPath, type ConnectFile } from './schema.js';
import { unknownKeys } from './unknown-keys.js';

export interface LoadedConnector {
  /** The name its offsets, consumer group and metrics go under: `name:` or `<connector>-<index>`. */
  name: string;
  definition: ConnectorDefinition;
  /** The connector's config as its schema parsed it (defaults filled). */
  config: unknown;
  transforms: TransformConfig[];
}

export interface LoadedConnectFile {
  file: string;
  /** The file's directory: relative paths in the file are relative to it. */
  dir: string;
  config: ConnectFile;
  sources: Array<LoadedConnector & { topic: string | undefined }>;
  sinks: Array<LoadedConnector & { topics: string[] }>;
}

export async function loadConnectFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConnectFile> {
  const fail = (message: string) => new AppConfigError(`${file}: ${message}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw fail(`not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    raw = resolveEnvReferences(raw, env);
  } catch (err) {
    if (err instanceof AppConfigError) throw fail(err.message);
    throw err;
  }
  refuseUnknownKeys(connectFileSchema, raw, '', fail);
  const parsed = connectFileSchema.safeParse(raw);
  if (!parsed.success) throw fail(describeZodError(parsed.error));
  const config = parsed.data;

  const connector = async (kind: 'source' | 'sink', i: number, entry: { connector: string; name?: string; config: Record<string, unknown>; transforms: Array<Record<string, unknown>> }): Promise<LoadedConnector> => {
    const at = `${kind}s[${i}]`;
    let definition: ConnectorDefinition;
    try {
      definition = await getConnector(kind, entry.connector);
    } catch (err) {
      if (err instanceof AppConfigError) throw fail(`${at}.connector: ${err.message}`);
      throw err;
    }
    refuseUnknownKeys(definition.config, entry.config, `${at}.config`, fail);
    const c = definition.config.safeParse(entry.config);
    if (!c.success) throw fail(describeZodError(c.error, `${at}.config`));
    const transforms = entry.transforms.map((t, j) => {
      const res = parseTransform(t);
      if (!res.success) throw fail(`${fieldPath(`${at}.transforms[${j}]`, res.path)}: ${res.message}`);
      refuseUnknownKeys(transformSchemaOf(res.data.type), t, `${at}.transforms[${j}]`, fail);
      return res.data;
    });
    return { name: entry.name ?? `${entry.connector}-${i}`, definition, config: c.data, transforms };
  };
  const sources = [];
  for (const [i, s] of config.sources.entries()) {
    const loaded = await connector('source', i, s);
    const own = loaded.definition.ownTopics;
    if (own && s.topic !== undefined) throw fail(`sources[${i}].topic: the ${s.connector} source names its own topics (${own}); remove topic`);
    if (!own && s.topic === undefined) throw fail(`sources[${i}].topic: Required (the topic the ${s.connector} source writes to)`);
    sources.push({ ...loaded, topic: s.topic });
  }
  const sinks = [];
  for (const [i, s] of config.sinks.entries()) sinks.push({ ...(await connector('sink', i, s)), topics: s.topics });
  // Names are per kind (a source's offsets and a sink's consumer group are named after it), so a
  // source and a sink may share one — as the default names file-0 of a file source and sink do.
  for (const [kind, list] of [['sources', sources], ['sinks', sinks]] as const) {
    const names = list.map((c) => c.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw fail(`two ${kind} are named "${twice}"; give each a distinct name`);
  }
  return { file, dir: path.dirname(path.resolve(file)), config, sources, sinks };
}

function refuseUnknownKeys(schema: z.ZodTypeAny, value: unknown, prefix: string, fail: (m: string) => Error): void {
  const [u] = unknownKeys(schema, value);
  if (!u) return;
  const hint = u.closest ? `did you mean "${u.closest}"?` : `known: ${u.known.join(', ')}`;
  throw fail(`${fieldPath(prefix, [...u.path, u.key])}: unknown field "${u.key}" (${hint})`);
}

function transformSchemaOf(type: string): z.ZodTypeAny {
  return transformDefinitions.find((t) => t.name === type)!.config;
}

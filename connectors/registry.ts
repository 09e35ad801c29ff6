/**
 * Connectors by name (Kafka Connect's plugin registry). Built-ins are loaded lazily from their
 * folders, so a file job never loads the Postgres driver; applications can register their own.
 */
import type { z } from 'zod';
import type { ConnectorDefinition } from '../core/worker/contracts.js';
import { didYouMean } from '../core/util/closest-name.js';
import { AppConfigError } from '../core/worker/errors.js';

type Kind = 'source' | 'sink';
const registered = new Map<string, ConnectorDefinition>();

/** Built-in connector folders, each exporting `connectors: ConnectorDefinition[]` from index.ts. */
const builtins: Record<string, () => Promise<{ connectors: ConnectorDefinition[] }>> = {
  file: () => import('./file/index.js'),
  http: () => import('./http/index.js'),
  redis: () => import('./redis/index.js'),
  postgres: () => import('./postgres/index.js'),
  'postgres-cdc': () => import('./postgres-cdc/index.js'),
};

const keyOf = (kind: Kind, name: string) => `${kind}:${name}`;

export function registerConnector<S extends z.ZodTypeAny>(def: ConnectorDefinition<S>): void {
  registered.set(keyOf(def.kind, def.name), def as unknown as ConnectorDefinition);
}

export async function getConnector(kind: Kind, name: string): Promise<ConnectorDefinition> {
  const key = keyOf(kind, name);
  if (!registered.has(key) && builtins[name]) {
    for (const def of (await builtins[name]()).connectors) registerConnector(def);
  }
  const def = registered.get(key);
  if (!def) {
    // Every built-in is loaded to say which names are sources and which sinks.
    const all = await listConnectors();
    const known = [...new Set(all.filter((d) => d.kind === kind).map((d) => d.name))].sort();
    const other = all.some((d) => d.name === name) ? ` "${name}" is a ${kind === 'source' ? 'sink' : 'source'} only;` : didYouMean(name, known).replace(/^ \((.*)\)$/, ' $1');
    throw new AppConfigError(`no ${kind} connector named "${name}";${other} known ${kind}s: ${known.join(', ')}`);
  }
  return def;
}

export async function listConnectors(): Promise<ConnectorDefinition[]> {
  for (const load of Object.values(builtins)) for (const def of (await load()).connectors) registerConnector(def);
  return [...registered.values()];
}

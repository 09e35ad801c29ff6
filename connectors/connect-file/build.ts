/**
 * Building the App of a loaded connect file: the log it names (the embedded data directory,
 * relative to the file, or `brokers:`), the app's options, and one source or sink per entry with
 * its transforms. The caller starts it.
 */
import path from 'node:path';
import { embedded } from '../../core/client/embedded/client.js';
import type { LogClient } from '../../core/client/types.js';
import type { Logger } from '../../core/log/types.js';
import { app as createApp, type App } from '../../core/worker/app.js';
import type { Sink, Source } from '../../core/worker/contracts.js';
import { createTransform } from '../transforms/index.js';
import type { LoadedConnectFile } from './load.js';

export interface BuildOptions {
  /** The log to run on; default: what the file names. */
  log?: LogClient;
  /** Overrides the file's metricsPort. */
  metricsPort?: number;
  logger?: Logger;
  /** What a connector's failure stops (AppOptions.connectorFailure; `sluice connect` passes 'connector'). */
  connectorFailure?: 'app' | 'connector';
}

/** The client the file names: `brokers:` (kafkajs), or the embedded log in `dataDir:` (default ./.sluice next to the file). */
export async function connectFileClient(loaded: LoadedConnectFile): Promise<LogClient> {
  const cfg = loaded.config;
  if (cfg.brokers) {
    const [{ kafka }, { kafkajsSecurity }] = await Promise.all([import('../../core/client/kafka/index.js'), import('../../core/client/kafka/security.js')]);
    return kafka({ brokers: cfg.brokers, clientId: cfg.app, ...kafkajsSecurity(cfg.security, loaded.dir) });
  }
  return embedded({ dataDir: path.resolve(loaded.dir, cfg.dataDir ?? './.sluice'), flush: cfg.flush ?? 'always' });
}

export async function buildConnectApp(loaded: LoadedConnectFile, opts: BuildOptions = {}): Promise<App> {
  const cfg = loaded.config;
  const log = opts.log ?? (await connectFileClient(loaded));
  const a = createApp({
    id: cfg.app,
    log,
    logger: opts.logger,
    errors: cfg.errors ?? {},
    batch: cfg.batch ?? {},
    defaultPartitions: cfg.partitions,
    autoCreateTopics: cfg.autoCreateTopics,
    metricsPort: opts.metricsPort ?? cfg.metricsPort,
    group: cfg.group ?? {},
    connectorFailure: opts.connectorFailure,
  });
  for (const s of loaded.sources) a.addSource(s.name, s.definition.create(s.config) as Source, { topic: s.topic, transforms: s.transforms.map(createTransform), plugin: s.definition.name, config: s.config as Record<string, unknown> });
  for (const s of loaded.sinks) a.addSink(s.name, s.definition.create(s.config) as Sink, { topics: s.topics, transforms: s.transforms.map(createTransform), plugin: s.definition.name, config: s.config as Record<string, unknown> });
  return a;
}

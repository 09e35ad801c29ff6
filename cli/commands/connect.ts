/**
 * sluice connect FILE [--exit-when-idle MS] [--metrics-port P]: runs the sources and sinks of a
 * YAML or JSON file (see core/worker/connect-config.ts) until SIGINT/SIGTERM, or until every source
 * has been idle for MS and every sink has committed everything. Relative paths in the file are
 * relative to the file's directory; `${env:NAME:-default}` in a value is read from the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { createTransform } from '../../connectors/transforms/index.js';
import { getConnector } from '../../connectors/registry.js';
import { embedded } from '../../core/client/embedded/client.js';
import type { LogClient } from '../../core/client/types.js';
import { app as createApp } from '../../core/worker/app.js';
import { resolveEnvReferences } from '../../core/worker/config-env.js';
import { connectFileSchema, describeZodError } from '../../core/worker/connect-config.js';
import type { Sink, Source } from '../../core/worker/contracts.js';
import { AppConfigError } from '../../core/worker/errors.js';
import { startProgressLine } from '../../core/worker/progress.js';
import { clientFromCliOptions } from '../options.js';

export const usage = 'connect FILE.yaml|FILE.json [--exit-when-idle MS] [--metrics-port P]';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'exit-when-idle': { type: 'string' }, 'metrics-port': { type: 'string' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file) throw new AppConfigError(`usage: sluice ${usage}`);
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
    throw new AppConfigError(`${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  try {
    raw = resolveEnvReferences(raw);
  } catch (err) {
    if (err instanceof AppConfigError) throw new AppConfigError(`${file}: ${err.message}`);
    throw err;
  }
  const parsed = connectFileSchema.safeParse(raw);
  if (!parsed.success) throw new AppConfigError(`${file}: ${describeZodError(parsed.error)}`);
  const cfg = parsed.data;
  process.chdir(path.dirname(path.resolve(file)));

  // Connector configs are checked before anything starts.
  const sources: Array<{ name: string; source: Source; topic: string | undefined; transforms: ReturnType<typeof createTransform>[] }> = [];
  for (const [i, s] of cfg.sources.entries()) {
    const def = await getConnector('source', s.connector);
    if (def.ownTopics && s.topic !== undefined) throw new AppConfigError(`${file}: sources[${i}].topic: the ${s.connector} source names its own topics (${def.ownTopics}); remove topic`);
    if (!def.ownTopics && s.topic === undefined) throw new AppConfigError(`${file}: sources[${i}].topic: Required (the topic the ${s.connector} source writes to)`);
    const c = def.config.safeParse(s.config);
    if (!c.success) throw new AppConfigError(`${file}: ${describeZodError(c.error, `sources[${i}].config`)}`);
    sources.push({ name: s.name ?? `${s.connector}-${i}`, source: def.create(c.data) as Source, topic: s.topic, transforms: s.transforms.map(createTransform) });
  }
  const sinks: Array<{ name: string; sink: Sink; topics: string[]; transforms: ReturnType<typeof createTransform>[] }> = [];
  for (const [i, s] of cfg.sinks.entries()) {
    const def = await getConnector('sink', s.connector);
    const c = def.config.safeParse(s.config);
    if (!c.success) throw new AppConfigError(`${file}: ${describeZodError(c.error, `sinks[${i}].config`)}`);
    sinks.push({ name: s.name ?? `${s.connector}-${i}`, sink: def.create(c.data) as Sink, topics: s.topics, transforms: s.transforms.map(createTransform) });
  }

  const client: LogClient = cfg.brokers
    ? await clientFromCliOptions({ brokers: cfg.brokers.join(','), security: cfg.security, securityBaseDir: path.dirname(path.resolve(file)) })
    : embedded({ dataDir: cfg.dataDir ?? './.sluice', flush: cfg.flush ?? 'always' });
  const metricsPort = values['metrics-port'] !== undefined ? Number(values['metrics-port']) : cfg.metricsPort;
  const a = createApp({ id: cfg.app, log: client, errors: cfg.errors ?? {}, batch: cfg.batch ?? {}, defaultPartitions: cfg.partitions, autoCreateTopics: cfg.autoCreateTopics, metricsPort, group: cfg.group ?? {} });
  for (const s of sources) a.addSource(s.name, s.source, { topic: s.topic, transforms: s.transforms });
  for (const s of sinks) a.addSink(s.name, s.sink, { topics: s.topics, transforms: s.transforms });
  a.handleSignals();
  await a.start();
  const stopProgress = startProgressLine(a.metrics);
  try {
    if (values['exit-when-idle'] !== undefined) {
      const ms = Number(values['exit-when-idle']);
      await Promise.race([a.idle(ms), a.done]);
      await a.stop();
    }
    await a.done;
    return 0;
  } finally {
    stopProgress();
  }
}

/**
 * sluice run FILE.ts|FILE.js [--metrics-port P]: runs the App a file exports (default export: an
 * App, or a function returning one or a promise of one). TypeScript loads without a build step:
 * the CLI runs under tsx. With --threads N the function runs in N task threads over the embedded
 * log of --data-dir (threadedApp), each time given that thread's connection as `log`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { embedded } from '../../core/client/embedded/client.js';
import { App } from '../../core/worker/app.js';
import { threadedApp } from '../../core/worker/threads/threaded-app.js';
import { AppConfigError } from '../../core/worker/errors.js';
import { startProgressLine } from '../../core/worker/progress.js';
import type { LogClient } from '../../core/client/types.js';
import { clientFromCliOptions, clientOptions, toInt } from '../options.js';

export const usage = 'run FILE.ts|FILE.js [--brokers H:P | --data-dir DIR [--threads N]]   (runs the App the file exports by default)';

export async function run(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { ...clientOptions, 'data-dir': { type: 'string' }, threads: { type: 'string' } }, allowPositionals: true });
  const file = positionals[0];
  if (!file) throw new AppConfigError(`usage: sluice ${usage}`);
  if (values.threads !== undefined) return runThreaded(file, toInt('threads', values.threads), values.brokers, values['data-dir']);
  // --brokers / --data-dir choose the log; the file receives it as `log` when it exports a function.
  const log = values.brokers || values['data-dir'] ? await clientFromCliOptions(values) : undefined;
  const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: unknown };
  let exported = mod.default;
  if (log && typeof exported !== 'function') throw new AppConfigError(`${file} exports an App with its log fixed; to use --brokers or --data-dir, export a function ({ log }) => app({ id, log, ... })`);
  if (typeof exported === 'function' && !(exported instanceof App)) exported = await (exported as (o: { log?: LogClient }) => unknown)({ log });
  exported = await exported;
  if (!(exported instanceof App)) throw new AppConfigError(`${file} must export an App by default (or a function returning one), e.g. export default app({ id, log })`);
  const a = exported;
  a.handleSignals();
  await a.start();
  const stop = startProgressLine(a.metrics);
  try {
    await a.done;
    return 0;
  } finally {
    stop();
  }
}

/** --threads N: the file's function builds the app in each of N task threads over one embedded log. */
async function runThreaded(file: string, threads: number, brokers: string | undefined, dataDir: string | undefined): Promise<number> {
  if (brokers) throw new AppConfigError('--threads runs task threads over the embedded log; on Kafka (--brokers) run one `sluice run` per core instead');
  if (!dataDir) throw new AppConfigError('--threads needs --data-dir DIR: the embedded log the threads share');
  const log = embedded({ dataDir, maintenanceIntervalMs: 0 });
  const t = threadedApp({ module: pathToFileURL(path.resolve(file)), threads, log });
  t.handleSignals();
  try {
    await t.start();
    await t.done;
    return 0;
  } finally {
    await log.close();
  }
}

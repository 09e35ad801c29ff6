/**
 * sluice run FILE.ts|FILE.js [--metrics-port P]: runs the App a file exports (default export: an
 * App, or a function returning one or a promise of one). TypeScript loads without a build step:
 * the CLI runs under tsx.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { App } from '../../core/worker/app.js';
import { AppConfigError } from '../../core/worker/errors.js';
import { startProgressLine } from '../../core/worker/progress.js';
import type { LogClient } from '../../core/client/types.js';
import { clientFromCliOptions } from '../options.js';

export const usage = 'run FILE.ts|FILE.js [--brokers H:P | --data-dir DIR]   (runs the App the file exports by default)';

export async function run(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { brokers: { type: 'string' }, 'data-dir': { type: 'string' } }, allowPositionals: true });
  const file = positionals[0];
  if (!file) throw new AppConfigError(`usage: sluice ${usage}`);
  // --brokers / --data-dir choose the log; the file receives it as `log` when it exports a function.
  const log = values.brokers || values['data-dir'] ? await clientFromCliOptions({ brokers: values.brokers, 'data-dir': values['data-dir'] }) : undefined;
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

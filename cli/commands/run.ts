/**
 * sluice run FILE: runs the App a file exports by default (an App, or a function returning one or
 * a promise of one), TypeScript or JavaScript, from an ESM or a CommonJS package (bin/sluice.js
 * registers tsx for both). The App is recognised by its brand, so one built by the user's own copy
 * of 'sluice' is as good as one of the CLI's. With --threads N the function runs in N task
 * threads over the embedded log of --data-dir (threadedApp). If anything fails after the file
 * started an app of its own, that app is stopped before the command exits.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isApp, runningApps, type AppLike } from '../../core/worker/app-brand.js';
import { AppConfigError } from '../../core/worker/errors.js';
import type { LogClient } from '../../core/client/types.js';
import { command, UsageError } from '../args.js';
import { applyLogOptions, checkLogChoice, clientFromCliOptions, logFormatOptions, logOptions } from '../options.js';
import { runApp } from '../run-app.js';
import { integer, port } from '../values.js';
import { httpOptions, startHttp } from '../http-options.js';

export const run = command({
  name: 'run',
  summary: 'run the App a TypeScript or JavaScript file exports',
  args: [{ name: 'FILE' }],
  options: {
    ...logOptions,
    threads: { arg: 'N', parse: integer(1, 256), help: 'run the app in N task threads over the embedded log of --data-dir (threadedApp)' },
    'metrics-port': { arg: 'PORT', parse: port, help: 'serve /metrics (Prometheus) and /health on this port' },
    'exit-when-idle': { arg: 'MS', parse: integer(1), help: 'stop once the app has caught up with its inputs and nothing arrived for MS (a batch job)' },
    ...httpOptions,
    ...logFormatOptions,
  },
  description: [
    'The file\'s default export is an App (export default app({ id, log })), or a function',
    '({ log }) => App. --data-dir or --brokers give that function the log to use; an exported App',
    'keeps the log it was built with. Ctrl-C (SIGINT) or SIGTERM finishes the batch in flight,',
    'commits and exits 0.',
  ].join('\n'),
  examples: ['sluice run app.ts', 'sluice run app.ts --brokers 127.0.0.1:9092 --metrics-port 9464', 'sluice run counts.ts --data-dir ./data --threads 2', 'sluice run app.ts --ui      # the console at http://127.0.0.1:8080/'],
  async run(v, [file]) {
    applyLogOptions(v);
    checkLogChoice(v);
    const url = pathToFileURL(path.resolve(file!));
    if (v.threads !== undefined) {
      if (v['exit-when-idle'] !== undefined) throw new UsageError('--exit-when-idle is not available with --threads');
      if (v.brokers) throw new UsageError('--threads runs task threads over the embedded log; on Kafka (--brokers) run one `sluice run` per core instead');
      if (!v['data-dir']) throw new UsageError('--threads needs --data-dir DIR: the embedded log the threads share');
      const { embedded } = await import('../../core/client/embedded/client.js');
      const { threadedApp } = await import('../../core/worker/threads/threaded-app.js');
      const log = embedded({ dataDir: v['data-dir'], maintenanceIntervalMs: 0 });
      const t = threadedApp({ module: url, threads: v.threads, log, metricsPort: v['metrics-port'] });
      t.handleSignals();
      let api: Awaited<ReturnType<typeof startHttp>>;
      try {
        await t.start();
        // The threads' apps run elsewhere: the API manages their log (topics, groups, messages).
        api = await startHttp(v, log);
        await t.done;
        return 0;
      } finally {
        await api?.close();
        await log.close();
      }
    }
    // --brokers / --data-dir choose the log; the file receives it as `log` when it exports a function.
    const log = v.brokers || v['data-dir'] !== undefined ? await clientFromCliOptions(v) : undefined;
    try {
      const a = await loadApp(file!, url, log);
      return await runApp(a, { metricsPort: v['metrics-port'], exitWhenIdleMs: v['exit-when-idle'], http: v });
    } catch (err) {
      // An app the file started by itself must not outlive the error (nor keep its data directory locked).
      await Promise.all(runningApps().map((a) => a.stop().catch(() => {})));
      await log?.close().catch(() => {});
      throw err;
    }
  },
});

async function loadApp(file: string, url: URL, log: LogClient | undefined): Promise<AppLike> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(url.pathname)) throw new AppConfigError(`${file} does not exist`);
    throw err;
  }
  let exported: unknown = mod.default;
  // A CommonJS module compiled from `export default` arrives as { default: … } under default.
  if (exported && typeof exported === 'object' && !isApp(exported) && 'default' in exported) exported = (exported as { default: unknown }).default;
  if (exported === undefined) throw new AppConfigError(`${file} has no default export; end it with export default app({ id, log }) (or a function ({ log }) => app(...))`);
  if (log && isApp(exported)) throw new AppConfigError(`${file} exports an App with its log fixed; to use --brokers or --data-dir, export a function ({ log }) => app({ id, log, ... })`);
  if (typeof exported === 'function') exported = await (exported as (o: { log?: LogClient }) => unknown)({ log });
  exported = await exported;
  if (!isApp(exported)) throw new AppConfigError(`${file} must export an App by default (or a function returning one), e.g. export default app({ id, log })`);
  return exported;
}

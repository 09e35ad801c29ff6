/**
 * Running an App from the command line (`sluice run`, `sluice connect`): signals stop it
 * gracefully, a progress line shows on a terminal, and the command ends when the app does (or,
 * with exitWhenIdleMs, once it has caught up).
 */
import type { AppLike } from '../core/worker/app-brand.js';
import { startMetricsServer } from '../core/worker/metrics-server.js';
import { startProgressLine } from '../core/worker/progress.js';
import { InvalidConfigError } from '../core/errors.js';
import type { LogClient } from '../core/client/types.js';
import { managedApp, startHttp, wantsHttp, type HttpValues } from './http-options.js';

export interface RunOptions {
  exitWhenIdleMs?: number;
  /** Serve this app's /metrics and /health here (for an app built without a metricsPort). */
  metricsPort?: number;
  /** --http-port/--ui: the management API and console over the app's log. */
  http?: HttpValues;
  /** The log of an app that is not an in-process App (threaded): the API then manages the log only. */
  log?: LogClient;
}

export async function runApp(a: AppLike, opts: RunOptions = {}): Promise<number> {
  a.handleSignals();
  // A file may start its app itself; the runner then only watches it.
  if (!a.running) await a.start();
  const server =
    opts.metricsPort === undefined
      ? undefined
      : await startMetricsServer(opts.metricsPort, '127.0.0.1', {
          render: () => a.metrics.render(),
          health: () => ({ up: a.running, body: { status: a.running ? 'up' : 'stopped', app: a.id } }),
        });
  let api: Awaited<ReturnType<typeof startHttp>>;
  if (opts.http && wantsHttp(opts.http)) {
    const m = managedApp(a);
    const client = m?.client ?? opts.log;
    if (!client) throw new InvalidConfigError('--http-port/--ui need the app\'s log: this app exposes none');
    api = await startHttp(opts.http, client, m);
  }
  const stopProgress = startProgressLine(a.metrics);
  try {
    if (opts.exitWhenIdleMs !== undefined && a.idle) {
      await Promise.race([a.idle(opts.exitWhenIdleMs), a.done]);
      await a.stop();
    }
    await a.done;
    return 0;
  } finally {
    stopProgress();
    server?.close();
    await api?.close();
  }
}

/**
 * Running an App from the command line (`sluice run`, `sluice connect`): signals stop it
 * gracefully, a progress line shows on a terminal, and the command ends when the app does (or,
 * with exitWhenIdleMs, once it has caught up).
 */
import type { AppLike } from '../core/worker/app-brand.js';
import { startMetricsServer } from '../core/worker/metrics-server.js';
import { startProgressLine } from '../core/worker/progress.js';

export interface RunOptions {
  exitWhenIdleMs?: number;
  /** Serve this app's /metrics and /health here (for an app built without a metricsPort). */
  metricsPort?: number;
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
  }
}

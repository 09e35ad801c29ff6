/**
 * A threaded app: the same app in N worker threads over one embedded log, as Kafka Streams runs
 * `num.stream.threads` stream threads in one instance. Node runs JavaScript on one core per
 * thread, so this is how one process uses more than one core.
 *
 * The log (its files, its group coordinator) stays in the calling thread. Each task thread imports
 * the module, calls its exported function to build an App over a LogClient connected to that log,
 * and starts it; the threads' apps are members of the same consumer groups, so the input
 * partitions (and the tasks and state stores on them) are shared out among the threads, and move
 * between them on a rebalance exactly as between processes. Record batches cross between threads
 * as bytes in transferred buffers: decoding, parsing, processing and encoding run in the task
 * threads.
 *
 *   // pipeline.ts
 *   export default ({ log }: ThreadContext) => { const a = app({ id: 'counts', log }); a.stream(...).pipe(...); return a; };
 *   // main.ts
 *   const t = threadedApp({ module: new URL('./pipeline.js', import.meta.url), threads: 2, log: embedded('./data') });
 *   await t.start();
 */
import fs from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import { EmbeddedClient } from '../../client/embedded/client.js';
import type { LogClient } from '../../client/types.js';
import { AppConfigError, AppStoppedError, ThreadFailedError } from '../errors.js';
import { MetricsRegistry, type MetricsSnapshot } from '../metrics.js';
import { serverAddress, startMetricsServer } from '../metrics-server.js';
import { parseOptions } from '../parse-options.js';
import { hostLog } from './log-host.js';

/** What the module's function is given in each thread. */
export interface ThreadContext {
  /** The thread's connection to the log: pass it as the app's `log`. */
  log: LogClient;
  /** 0 … threads − 1. */
  thread: number;
  threads: number;
  /** The `data` option, copied into each thread (structured clone). */
  data: unknown;
}

export const threadedAppOptionsSchema = z.object({
  /** The module (file URL or path) whose export builds the app: `(ctx: ThreadContext) => App`. */
  module: z.union([z.string().min(1), z.instanceof(URL)]),
  /** The export to call. */
  export: z.string().min(1).default('default'),
  threads: z.number().int().min(1).max(256).default(() => os.availableParallelism()),
  log: z.custom<EmbeddedClient>((v) => v instanceof EmbeddedClient, 'log must be an embedded log client (embedded("./data")); on Kafka run one process per core instead'),
  data: z.unknown().optional(),
  /** Node flags for the task threads (e.g. ['--cpu-prof'] to profile them); the main thread's are not inherited. */
  execArgv: z.array(z.string()).default([]),
  /** Serves /metrics (every thread's series, labelled thread="N") and /health here; 0 picks a free port. */
  metricsPort: z.number().int().min(0).max(65535).optional(),
  metricsHost: z.string().default('127.0.0.1'),
  /** How long a thread may take to load its module and start its app. */
  startTimeoutMs: z.number().int().min(1).default(60_000),
});

export type ThreadedAppOptions = z.input<typeof threadedAppOptionsSchema>;

/** @internal messages between the controller and a task thread */
export interface ThreadWorkerData {
  port: MessagePort;
  module: string;
  exportName: string;
  index: number;
  count: number;
  data: unknown;
}
/** @internal */
export type ThreadControl = { type: 'stop' } | { type: 'metrics'; id: number };
/** @internal */
export type ThreadReport =
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'failed'; message: string; stack?: string }
  | { type: 'metrics'; id: number; snapshot: MetricsSnapshot };

// The thread's first script. Running from TypeScript sources, the entry (and so everything it
// imports) is loaded through tsx's API; a worker does not inherit the main thread's loader.
const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) await (await import(workerData.tsx)).tsImport(workerData.entry, workerData.entry);
  else await import(workerData.entry);
})().catch((e) => { process.nextTick(() => { throw e; }); });
`;

function entryScript(): { entry: string; tsx?: string } {
  const self = import.meta.url;
  const ts = /\.ts$/.test(new URL(self).pathname);
  const entry = new URL(`./thread-entry.${ts ? 'ts' : 'js'}`, self).href;
  if (!ts) return { entry };
  // tsx's ESM API (require.resolve would give its CommonJS build), from its package's exports map.
  const pkgPath = createRequire(self).resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return { entry, tsx: pathToFileURL(path.join(path.dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href };
}

interface ThreadHandle {
  index: number;
  worker: Worker;
  state: 'starting' | 'running' | 'stopping' | 'stopped';
  started: Promise<void>;
  stopped: Promise<void>;
}

export class ThreadedApp {
  readonly done: Promise<void>;
  private readonly opts: z.output<typeof threadedAppOptionsSchema>;
  private readonly threads: ThreadHandle[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  private nextMetric = 1;
  private readonly metricReplies = new Map<number, (s: MetricsSnapshot) => void>();
  private server?: http.Server;
  /** stop() came while start() ran: start() rejects with AppStoppedError, done resolves. */
  private stopRequested = false;
  private shuttingDown?: Promise<void>;

  constructor(options: ThreadedAppOptions) {
    this.opts = parseOptions(threadedAppOptionsSchema, options, 'threadedApp');
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => {});
  }

  /** Starts every thread's app; rejects (after stopping the others) if one fails to start. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new AppConfigError('a threaded app can be started once');
    this.state = 'starting';
    const { engine, coordinator } = await this.opts.log.deps();
    const moduleUrl = this.opts.module instanceof URL ? this.opts.module.href : /^[a-z]+:/i.test(this.opts.module) ? this.opts.module : pathToFileURL(this.opts.module).href;
    const { entry, tsx } = entryScript();
    const stoppedError = () => new AppStoppedError(path.basename(new URL(moduleUrl).pathname));
    if (this.stopRequested) throw stoppedError();
    for (let index = 0; index < this.opts.threads; index++) {
      const { port1, port2 } = new MessageChannel();
      hostLog(engine, coordinator, port1);
      const workerData: ThreadWorkerData & { entry: string; tsx?: string } = {
        entry,
        tsx,
        port: port2,
        module: moduleUrl,
        exportName: this.opts.export,
        index,
        count: this.opts.threads,
        data: this.opts.data,
      };
      const worker = new Worker(BOOT, { eval: true, execArgv: this.opts.execArgv, workerData, transferList: [port2] });
      this.threads.push(this.watch(index, worker, port1));
    }
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => {
        const slow = this.threads.find((t) => t.state === 'starting')?.index ?? 0;
        reject(new ThreadFailedError(slow, `did not load its module and start its app within ${this.opts.startTimeoutMs} ms (startTimeoutMs)`));
      }, this.opts.startTimeoutMs).unref(),
    );
    try {
      await Promise.race([Promise.all(this.threads.map((t) => t.started)), timeout]);
      if (this.opts.metricsPort !== undefined) await this.startMetricsServer();
    } catch (err) {
      await this.shutdown();
      if (this.stopRequested) throw stoppedError();
      this.settle.reject(err);
      throw err;
    }
    this.state = 'running';
  }

  private watch(index: number, worker: Worker, port: MessagePort): ThreadHandle {
    let started!: { resolve: () => void; reject: (e: unknown) => void };
    let stopped!: () => void;
    const handle: ThreadHandle = {
      index,
      worker,
      state: 'starting',
      started: new Promise((resolve, reject) => (started = { resolve, reject })),
      stopped: new Promise((resolve) => (stopped = resolve)),
    };
    handle.started.catch(() => {});
    const failed = (err: ThreadFailedError) => {
      started.reject(err);
      if (this.state === 'running') void this.fail(err);
    };
    worker.on('message', (m: ThreadReport) => {
      if (m.type === 'started') {
        handle.state = 'running';
        started.resolve();
      } else if (m.type === 'stopped') {
        handle.state = 'stopped';
        stopped();
      } else if (m.type === 'failed') {
        failed(new ThreadFailedError(index, m.message));
      } else if (m.type === 'metrics') {
        this.metricReplies.get(m.id)?.(m.snapshot);
      }
    });
    worker.on('error', (err) => failed(new ThreadFailedError(index, err.message, { cause: err })));
    worker.on('exit', (code) => {
      port.close();
      stopped();
      // A thread stopped before it started (the app was stopped meanwhile) ends start()'s wait for it.
      started.reject(new ThreadFailedError(index, `exited with code ${code} before its app started`));
      if (handle.state !== 'stopped' && handle.state !== 'stopping') failed(new ThreadFailedError(index, `exited with code ${code} while ${handle.state === 'starting' ? 'starting' : 'running'}`));
      handle.state = 'stopped';
    });
    return handle;
  }

  /** Every running thread's metrics in one registry, each series labelled with its thread. */
  async metrics(): Promise<MetricsRegistry> {
    const all = new MetricsRegistry();
    const running = this.threads.filter((t) => t.state === 'running');
    const snapshots = await Promise.all(
      running.map(
        (t) =>
          new Promise<MetricsSnapshot>((resolve) => {
            const id = this.nextMetric++;
            this.metricReplies.set(id, (s) => (this.metricReplies.delete(id), resolve(s)));
            t.worker.postMessage({ type: 'metrics', id } satisfies ThreadControl);
          }),
      ),
    );
    snapshots.forEach((s, i) => all.absorb(s, { thread: String(running[i]!.index) }));
    return all;
  }

  /** The sum over all threads of a metric (as App.metrics.total). */
  async metricTotal(name: string): Promise<number> {
    return (await this.metrics()).total(name);
  }

  private async startMetricsServer(): Promise<void> {
    this.server = await startMetricsServer(this.opts.metricsPort!, this.opts.metricsHost, {
      render: async () => (await this.metrics()).render(),
      health: () => ({ up: this.state === 'running', body: { status: this.state === 'running' ? 'up' : this.state, threads: this.threads.map((t) => t.state) } }),
    });
  }

  /** The metrics server's address (after start, when metricsPort was set). */
  get metricsAddress(): { host: string; port: number } | undefined {
    return serverAddress(this.server);
  }

  /**
   * SIGINT/SIGTERM stop every thread's app gracefully, then `done` resolves (close the log after
   * it, and the process ends); a second signal exits at once.
   */
  handleSignals(): void {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) process.exit(sig === 'SIGINT' ? 130 : 143);
      signalled = true;
      void this.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  private async fail(err: unknown): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    await this.shutdown();
    this.settle.reject(err);
  }

  /** Each thread's app finishes its batch in flight, commits and stops; then the threads exit. The log stays open. */
  async stop(): Promise<void> {
    // During start(): the threads still starting are ended, start() rejects with AppStoppedError.
    if (this.state === 'starting') this.stopRequested = true;
    else if (this.state === 'stopping' || this.state === 'stopped') return this.done.catch(() => {});
    await this.shutdown();
    this.settle.resolve();
  }

  /** Stops every thread, once (a failed start, a failed thread and stop() may all ask). */
  private shutdown(): Promise<void> {
    this.shuttingDown ??= this.stopThreads();
    return this.shuttingDown;
  }

  private async stopThreads(): Promise<void> {
    this.state = 'stopping';
    await Promise.all(
      this.threads.map(async (t) => {
        if (t.state === 'running') {
          t.state = 'stopping';
          t.worker.postMessage({ type: 'stop' } satisfies ThreadControl);
          await t.stopped;
        }
        // A thread still starting is ended as it is (at-least-once: what it did not commit runs again).
        if (t.state === 'starting') t.state = 'stopping';
        await t.worker.terminate();
      }),
    );
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.state = 'stopped';
  }
}

export function threadedApp(options: ThreadedAppOptions): ThreadedApp {
  return new ThreadedApp(options);
}

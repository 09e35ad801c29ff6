/**
 * What a task thread runs: connects to the log thread, imports the user's module, builds its app
 * over the thread's LogClient, starts it, and answers the controller (stop, metrics).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { App } from '../app.js';
import { tagLogsWithThread } from '../logger.js';
import { ThreadLogClient } from './thread-client.js';
import type { ThreadContext, ThreadControl, ThreadReport, ThreadWorkerData } from './threaded-app.js';

const wd = workerData as ThreadWorkerData;
const control = parentPort!;
const report = (m: ThreadReport) => control.postMessage(m);
const describe = (e: unknown) => ({ message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });

async function load(): Promise<(ctx: ThreadContext) => App | Promise<App>> {
  // Loaded through tsx (running from TypeScript sources), a plain import of a .ts module goes
  // through the same loader and so shares this thread's copy of Sluice's modules.
  const underTsx = /\.[cm]?ts(\?|$)/.test(import.meta.url);
  let mod: Record<string, unknown>;
  if (!underTsx && /\.[cm]?ts$/.test(new URL(wd.module).pathname)) {
    // Compiled Sluice, TypeScript app module: load it through tsx's API.
    const api = (await import('tsx/esm/api').catch(() => {
      throw new Error(`${wd.module} is TypeScript: install tsx (npm i -D tsx) or give the compiled .js module`);
    })) as { tsImport: (url: string, parent: string) => Promise<Record<string, unknown>> };
    mod = await api.tsImport(wd.module, import.meta.url);
  } else {
    mod = (await import(wd.module)) as Record<string, unknown>;
  }
  const build = mod[wd.exportName];
  if (typeof build !== 'function') throw new Error(`module ${wd.module} has no function export "${wd.exportName}" (export a function (ctx) => App)`);
  return build as (ctx: ThreadContext) => App | Promise<App>;
}

async function main(): Promise<void> {
  tagLogsWithThread(wd.index);
  const log = new ThreadLogClient(wd.port as MessagePort);
  let a: App;
  try {
    const build = await load();
    a = await build({ log, thread: wd.index, threads: wd.count, data: wd.data });
    if (!a || typeof a.start !== 'function' || typeof a.stop !== 'function') throw new Error(`"${wd.exportName}" of ${wd.module} must return an App (app({ id, log: ctx.log }))`);
    await a.start();
  } catch (e) {
    report({ type: 'failed', ...describe(e) });
    await log.close().catch(() => {});
    return;
  }
  a.done.catch((e: unknown) => report({ type: 'failed', ...describe(e) }));
  control.on('message', (m: ThreadControl) => {
    if (m.type === 'stop') {
      a.stop().then(
        () => report({ type: 'stopped' }),
        (e: unknown) => report({ type: 'failed', ...describe(e) }),
      );
    } else if (m.type === 'metrics') {
      report({ type: 'metrics', id: m.id, snapshot: a.metrics.snapshot() });
    }
  });
  report({ type: 'started' });
}

void main();

/**
 * A start that fails stops what already started: sinks and sources whose start() was called,
 * pipelines, the metrics server and the client (so the data directory's lock is released), and
 * start() and `done` reject with the error. A stop() during start() stops it after the step in
 * flight.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { app } from '../../core/worker/app.js';
import type { ConnectorContext, Sink, SinkRecord, Source, SourceRecord } from '../../core/worker/contracts.js';
import { AppStoppedError } from '../../core/worker/errors.js';
import { silentLogger } from '../../core/worker/logger.js';
import { threadedApp } from '../../core/worker/threads/threaded-app.js';
import { freePort } from '../support/net.js';
import { repoRoot, tempDir } from '../support/tmp.js';

/** Made here, at the top level, so that its removal is registered where vitest runs it. */
const base = tempDir('failed-start');

/** Connectors that record their lifecycle; `failStart` makes start() throw after it began. */
class LifecycleSink implements Sink {
  events: string[] = [];
  signal?: AbortSignal;
  constructor(private readonly failStart = false) {}
  async start(ctx: ConnectorContext): Promise<void> {
    this.events.push(`start ${ctx.name}`);
    this.signal = ctx.signal;
    if (this.failStart) throw new Error(`sink ${ctx.name} cannot start`);
  }
  async write(_records: SinkRecord[]): Promise<void> {}
  async stop(): Promise<void> {
    this.events.push('stop');
  }
}

class LifecycleSource implements Source {
  events: string[] = [];
  private signal?: AbortSignal;
  constructor(private readonly failStart = false) {}
  async start(ctx: ConnectorContext): Promise<void> {
    this.events.push(`start ${ctx.name}`);
    this.signal = ctx.signal;
    if (this.failStart) throw new Error(`source ${ctx.name} cannot start`);
  }
  async poll(): Promise<SourceRecord[]> {
    await new Promise((r) => setTimeout(r, 20));
    return [];
  }
  async commit(): Promise<void> {}
  async stop(): Promise<void> {
    this.events.push(`stop${this.signal?.aborted ? ' (aborted)' : ''}`);
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => (c.destroy(), resolve(false)));
    c.on('error', () => resolve(true));
  });

describe('a start that fails', () => {
  it('stops what started, closes the metrics server and the log, and rejects start() and done with the error', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(base, 'app-')), 'data');
    const port = await freePort();
    const a = app({ id: 'fails', log: embedded({ dataDir, maintenanceIntervalMs: 0 }), logger: silentLogger, metricsPort: port });
    const good = new LifecycleSink();
    const bad = new LifecycleSink(true);
    const never = new LifecycleSink();
    a.addSink('good', good, { topics: ['a', 'b'] });
    a.addSink('bad', bad, { topics: ['b'] });
    a.addSink('never', never, { topics: ['a'] });
    a.addSource('src', new LifecycleSource(), { topic: 'a' });
    await expect(a.start()).rejects.toThrow('sink bad cannot start');
    await expect(a.done).rejects.toThrow('sink bad cannot start');
    // Each sink's context carries its own name and a signal aborted at stop.
    expect(good.events).toEqual(['start good', 'stop']);
    expect(good.signal?.aborted).toBe(true);
    // A start that threw half-way is stopped too (it may hold a connection); one never started is not.
    expect(bad.events).toEqual(['start bad', 'stop']);
    expect(never.events).toEqual([]);
    expect(a.running).toBe(false);
    expect(await refused(port)).toBe(true);
    // The log is closed: its lock is gone and the directory opens again.
    expect(fs.existsSync(path.join(dataDir, '.lock'))).toBe(false);
    const again = embedded({ dataDir, maintenanceIntervalMs: 0 });
    expect(await again.admin().listTopics()).toContain('a');
    await again.close();
    await a.stop();
  });

  it('stops the pipelines, sinks and sources already running when a source fails to start', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(base, 'source-')), 'data');
    const a = app({ id: 'src-fails', log: embedded({ dataDir, maintenanceIntervalMs: 0 }), logger: silentLogger });
    const sink = new LifecycleSink();
    const first = new LifecycleSource();
    const second = new LifecycleSource(true);
    a.addSink('out', sink, { topics: ['a'] });
    a.addSource('first', first, { topic: 'a' });
    a.addSource('second', second, { topic: 'b' });
    await expect(a.start()).rejects.toThrow('source second cannot start');
    expect(first.events).toEqual(['start first', 'stop (aborted)']);
    expect(second.events).toEqual(['start second', 'stop (aborted)']);
    expect(sink.events).toEqual(['start out', 'stop']);
    // The sink's pipeline left its group: nothing is a member any more.
    const check = embedded({ dataDir, maintenanceIntervalMs: 0 });
    expect((await check.admin().describeGroup('src-fails.sink-out')).members).toEqual([]);
    await check.close();
  });

  it('stop() during start() stops it after the step in flight: start() rejects with AppStoppedError, done resolves', async () => {
    const a = app({ id: 'stop-early', log: embedded({ memory: true }), logger: silentLogger });
    let release!: () => void;
    const slow = new LifecycleSink();
    const gate = new Promise<void>((r) => (release = r));
    slow.start = async (ctx) => {
      slow.events.push(`start ${ctx.name}`);
      await gate;
    };
    const later = new LifecycleSink();
    a.addSink('slow', slow, { topics: ['a'] });
    a.addSink('later', later, { topics: ['a'] });
    const starting = a.start();
    starting.catch(() => {});
    while (slow.events.length === 0) await new Promise((r) => setTimeout(r, 5));
    const stopping = a.stop();
    release();
    await expect(starting).rejects.toBeInstanceOf(AppStoppedError);
    await stopping;
    await expect(a.done).resolves.toBeUndefined();
    expect(slow.events).toEqual(['start slow', 'stop']);
    expect(later.events).toEqual([]);
  });

  it('a threaded app stopped while its threads start: start() rejects with AppStoppedError, done resolves, no member is left', async () => {
    const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
    await client.admin().createTopic('events', { partitions: 2 });
    for (const waitForThreads of [false, true]) {
      const t = threadedApp({ module: path.join(repoRoot, 'test/fixtures/threaded-count-app.ts'), threads: 2, log: client, data: { id: 'early-stop' } });
      const starting = t.start();
      starting.catch(() => {});
      // Before the threads exist, or while they load their module.
      if (waitForThreads) await new Promise((r) => setTimeout(r, 200));
      await t.stop();
      await expect(starting).rejects.toBeInstanceOf(AppStoppedError);
      await expect(t.done).resolves.toBeUndefined();
      expect((await client.admin().describeGroup('early-stop.events-0')).members).toEqual([]);
    }
    await client.close();
  }, 60_000);
});

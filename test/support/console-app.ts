/**
 * A running app for the management API and console tests: a pipeline that dead-letters what is
 * not JSON, a source that ticks forever, a sink that collects, a few records with headers, and the
 * management server over it all (in process).
 */
import { map } from 'rxjs';
import { startManagementServer, type ManagementServer } from '../../api/server.js';
import type { LogClient } from '../../core/client/types.js';
import type { LogEngine } from '../../core/log/types.js';
import { app, type App } from '../../core/worker/app.js';
import type { ConnectorContext, Sink, SinkRecord, Source, SourceRecord } from '../../core/worker/contracts.js';
import { silentLogger } from '../../core/worker/logger.js';
import { onCleanup } from './cleanup.js';
import { testLog } from './log.js';

/** Emits `perPoll` records every `everyMs` to its topic, numbered; its source offset is the next number. */
export class TickerSource implements Source {
  private n = 0;
  private signal!: AbortSignal;
  constructor(
    private readonly perPoll = 10,
    private readonly everyMs = 40,
  ) {}
  async start(ctx: ConnectorContext) {
    this.signal = ctx.signal;
    const committed = (await ctx.committedOffsets()).get('ticks');
    this.n = typeof committed === 'number' ? committed : 0;
  }
  async poll(): Promise<SourceRecord[]> {
    await new Promise((r) => setTimeout(r, this.everyMs));
    if (this.signal.aborted) return [];
    return Array.from({ length: this.perPoll }, () => {
      const i = this.n++;
      return { key: `t${i}`, value: JSON.stringify({ tick: i }), sourcePartition: 'ticks', sourceOffset: i + 1 };
    });
  }
  async commit() {}
  async stop() {}
}

/** Keeps what it is given (a sink whose target is memory). */
export class CollectingSink implements Sink {
  readonly written: SinkRecord[] = [];
  async start() {}
  async write(records: SinkRecord[]) {
    this.written.push(...records);
  }
  async stop() {}
}

export interface ConsoleFixture {
  client: LogClient;
  engine: LogEngine;
  app: App;
  server: ManagementServer;
  sink: CollectingSink;
  /** base URL without the trailing slash */
  base: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function consoleFixture(): Promise<ConsoleFixture> {
  const log = await testLog();
  const client = log.client;
  await client.admin().createTopic('orders', { partitions: 2 });
  await client.producer().send('orders', [
    { key: 'o-1', value: JSON.stringify({ id: 1, total: 10 }), headers: { source: 'web', trace: 'abc-1' }, partition: 0, timestamp: 1_700_000_000_000 },
    { key: 'o-2', value: JSON.stringify({ id: 2, total: 20 }), headers: { source: 'mobile' }, partition: 0, timestamp: 1_700_000_001_000 },
    { key: 'o-3', value: 'not json at all', headers: { source: 'batch' }, partition: 0, timestamp: 1_700_000_002_000 },
    { key: 'o-4', value: '<img src=x onerror="window.__pwned=1">', headers: { '<b>h</b>': '<script>window.__pwned=2</script>' }, partition: 1, timestamp: 1_700_000_003_000 },
  ]);
  const a = app({ id: 'shop', log: client, logger: silentLogger, errors: { retries: 0, backoffMs: 1 }, batch: { maxWaitMs: 50 } });
  a.addPipeline({
    name: 'parse',
    inputs: ['orders'],
    outputs: ['parsed'],
    build: (ctx) => (src) => src.pipe(map((r) => ctx.send('parsed', [{ key: r.key, value: JSON.stringify(JSON.parse(r.value!.toString())) }]))),
  });
  a.addSource('ticker', new TickerSource(), { topic: 'ticks', plugin: 'ticker', config: { everyMs: 40 } });
  const sink = new CollectingSink();
  a.addSink('collector', sink, { topics: ['ticks'], plugin: 'collector', config: { password: 'hunter2', url: 'postgres://app:s3cret@db.internal/shop' } });
  await a.start();
  onCleanup(() => a.stop());
  const server = await startManagementServer({ client, app: a, port: 0, liveIntervalMs: 250, token: 'test-token-0123456789' });
  onCleanup(() => server.close());
  const base = server.url.replace(/\/$/, '');
  const call: ConsoleFixture['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: kept as text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return { client, engine: log.engine, app: a, server, sink, base, call };
}

export const AUTH = { authorization: 'Bearer test-token-0123456789' };

/** Polls `check` until it returns a value other than undefined (a bounded wait, not a timing assertion). */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

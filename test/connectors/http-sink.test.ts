/**
 * The HTTP sink through the worker (in-memory log) against a real node:http server on 127.0.0.1
 * that fails on purpose: retries then success, Retry-After (seconds and HTTP date), dead letters
 * in `<app>.dlq` after the last retry, the Idempotency-Key header, batching and concurrency.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpSink, httpSinkConfig } from '../../connectors/http/sink.js';
import { parseRetryAfter } from '../../connectors/http/retry-after.js';
import type { LogEngine } from '../../core/log/types.js';
import { testLog } from '../support/log.js';
import type { LogRecord } from '../../core/log/types.js';
import { app, type App } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { until } from '../support/wait.js';

interface Seen {
  at: number;
  key: string;
  offsets: string;
  contentType: string;
  auth: string | undefined;
  body: string;
}

/** A server answering each request with `answer(request, attempt of its Idempotency-Key)`. */
async function server(answer: (seen: Seen, attempt: number) => { status: number; headers?: Record<string, string>; delayMs?: number }) {
  const seen: Seen[] = [];
  const attempts = new Map<string, number>();
  let active = 0;
  let maxActive = 0;
  const srv = http.createServer((req, res) => {
    active++;
    maxActive = Math.max(maxActive, active);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { at: Date.now(), key: String(req.headers['idempotency-key']), offsets: String(req.headers['sluice-offsets']), contentType: String(req.headers['content-type']), auth: req.headers.authorization, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      const attempt = (attempts.get(s.key) ?? 0) + 1;
      attempts.set(s.key, attempt);
      const a = answer(s, attempt);
      setTimeout(() => {
        active--;
        res.writeHead(a.status, a.headers).end(a.status >= 400 ? 'nope' : 'ok');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
  stops.push(() => new Promise((r) => srv.close(() => r())));
  return { url, seen, maxActive: () => maxActive };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

let n = 0;
const engines = new Map<App, LogEngine>();
/** An app on an in-memory log with `values` already in topic `t` and the sink reading it. */
async function runSink(config: Record<string, unknown>, values: Array<string | null>, partitions = 1): Promise<App> {
  const log = await testLog();
  const client = log.client;
  await client.connect();
  await client.admin().createTopic('t', { partitions });
  await client.producer().send('t', values.map((v, i) => ({ key: `k${i}`, value: v, partition: i % partitions })));
  const a = app({ id: `sink${n++}`, log: client, logger: silentLogger, errors: { retries: 0 } });
  a.addSink('out', new HttpSink(httpSinkConfig.parse(config)), { topics: ['t'] });
  engines.set(a, log.engine);
  await a.start();
  return a;
}

async function dlq(a: App): Promise<LogRecord[]> {
  const engine = engines.get(a)!;
  return (await engine.readRecords(`${a.id}.dlq`, 0, 0, 16 << 20)).records;
}

async function committed(a: App): Promise<number> {
  const g = await a.client.admin().describeGroup(`${a.id}.sink-out`);
  return g.offsets.reduce((s, o) => s + o.committed, 0);
}

describe('http sink', () => {
  it('batches per topic-partition with an Idempotency-Key, retries failures with the same key, bounded concurrency', async () => {
    const srv = await server((_s, attempt) => ({ status: attempt === 1 ? 500 : 200, delayMs: 30 }));
    const values = Array.from({ length: 14 }, (_, i) => JSON.stringify({ n: i }));
    const a = await runSink({ url: srv.url, maxBatch: 3, concurrency: 2, backoffMs: 5, token: 'tok' }, values, 2);
    try {
      await until(async () => (await committed(a)) === 14);
      const ok = srv.seen.filter((_s, i) => srv.seen.findIndex((x) => x.key === srv.seen[i]!.key) !== i); // second attempts
      // Partition 0 holds n = 0,2,4,…; partition 1 n = 1,3,5,… (offsets 0..6 each): 3 batches per partition.
      expect(ok.map((s) => s.key).sort()).toEqual(['t-0-0', 't-0-3', 't-0-6', 't-1-0', 't-1-3', 't-1-6']);
      const byKey = Object.fromEntries(ok.map((s) => [s.key, JSON.parse(s.body)]));
      expect(byKey['t-0-0']).toEqual([{ n: 0 }, { n: 2 }, { n: 4 }]);
      expect(byKey['t-1-3']).toEqual([{ n: 7 }, { n: 9 }, { n: 11 }]);
      expect(byKey['t-0-6']).toEqual([{ n: 12 }]);
      expect(ok.find((s) => s.key === 't-1-3')!.offsets).toBe('3-5');
      // Batches of one partition go in offset order (the next waits for the previous one's success).
      for (const p of [0, 1]) expect(srv.seen.filter((s) => s.key.startsWith(`t-${p}-`)).map((s) => s.key)).toEqual([`t-${p}-0`, `t-${p}-0`, `t-${p}-3`, `t-${p}-3`, `t-${p}-6`, `t-${p}-6`]);
      expect(srv.seen).toHaveLength(12); // every batch failed once, then succeeded
      expect(srv.seen.every((s) => s.contentType === 'application/json' && s.auth === 'Bearer tok')).toBe(true);
      expect(srv.maxActive()).toBe(2);
      expect(await dlq(a)).toHaveLength(0);
    } finally {
      await a.stop();
    }
  });

  it('with ordered: false sends batches of one partition concurrently, up to the limit', async () => {
    const srv = await server(() => ({ status: 200, delayMs: 50 }));
    const a = await runSink({ url: srv.url, maxBatch: 2, concurrency: 3, ordered: false }, Array.from({ length: 12 }, (_, i) => `{"n":${i}}`));
    try {
      await until(async () => (await committed(a)) === 12);
      expect(srv.seen.map((s) => s.key).sort()).toEqual(['t-0-0', 't-0-10', 't-0-2', 't-0-4', 't-0-6', 't-0-8']);
      expect(srv.maxActive()).toBe(3);
    } finally {
      await a.stop();
    }
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    const srv = await server((s, attempt) =>
      attempt > 1
        ? { status: 200 }
        : s.body.includes('"date"')
          ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }
          : { status: 429, headers: { 'retry-after': '1' } },
    );
    const a = await runSink({ url: srv.url, maxBatch: 1, backoffMs: 1, maxBackoffMs: 1 }, ['{"s":1}', '{"date":1}']);
    try {
      await until(async () => (await committed(a)) === 2);
      for (const key of ['t-0-0', 't-0-1']) {
        const [first, second] = srv.seen.filter((s) => s.key === key);
        expect(second!.at - first!.at).toBeGreaterThanOrEqual(950); // not the 1 ms backoff
      }
      expect(parseRetryAfter('120')).toBe(120_000);
      expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
      expect(parseRetryAfter('soon')).toBeUndefined();
    } finally {
      await a.stop();
    }
  });

  it('dead-letters every record of a batch after the last retry, and at once on a status a retry cannot change', async () => {
    const srv = await server((s) => ({ status: s.body.includes('"bad"') ? 400 : 503 }));
    const a = await runSink({ url: srv.url, maxBatch: 2, retries: 2, backoffMs: 5, format: 'ndjson' }, ['{"a":1}', 'not json', '{"bad":true}']);
    try {
      await until(async () => (await dlq(a)).length === 3);
      await until(async () => (await committed(a)) === 3);
      // The 400 batch is dead-lettered at once, so it comes first.
      const dead = new Map((await dlq(a)).map((r) => [r.value!.toString(), r.headers]));
      expect([...dead.keys()].sort()).toEqual(['not json', '{"a":1}', '{"bad":true}']);
      const h = (v: string, name: string) => dead.get(v)![name]!.toString();
      expect(h('{"a":1}', 'sluice.error')).toMatch(/answered 503/);
      expect(h('{"a":1}', 'sluice.attempts')).toBe('3');
      expect(h('{"a":1}', 'sluice.source.offset')).toBe('0');
      expect(h('not json', 'sluice.source.offset')).toBe('1');
      expect(h('{"bad":true}', 'sluice.error')).toMatch(/answered 400/);
      expect(h('{"bad":true}', 'sluice.attempts')).toBe('1');
      // NDJSON body; a value that is not JSON is sent as a JSON string.
      const first = srv.seen.find((s) => s.key === 't-0-0')!;
      expect(first.contentType).toBe('application/x-ndjson');
      expect(first.body).toBe('{"a":1}\n"not json"\n');
      expect(srv.seen.filter((s) => s.key === 't-0-0')).toHaveLength(3);
      expect(srv.seen.filter((s) => s.key === 't-0-2')).toHaveLength(1);
    } finally {
      await a.stop();
    }
  });

  it('retries when nothing answers (connection refused), then dead-letters; skips tombstones', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const a = await runSink({ url: `http://127.0.0.1:${port}/x`, retries: 1, backoffMs: 5, timeoutMs: 2000 }, ['{"a":1}', null]);
    try {
      await until(async () => (await committed(a)) === 2);
      const dead = await dlq(a);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.headers['sluice.error']!.toString()).toMatch(/failed: ECONNREFUSED/);
      expect(dead[0]!.headers['sluice.attempts']!.toString()).toBe('2');
    } finally {
      await a.stop();
    }
  });
});

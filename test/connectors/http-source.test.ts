/**
 * The HTTP (webhook) source against real sockets on 127.0.0.1: through the worker on an on-disk
 * embedded log (a 200 means the records are in the log — also after a SIGKILL of a `sluice
 * connect` process right after the answer), and unit-level for back-pressure (429), timeouts and
 * the error answers.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpSource, httpSourceConfig } from '../../connectors/http/source.js';
import { embedded } from '../../core/client/embedded/client.js';
import type { LogRecord } from '../../core/log/types.js';
import { app, type App } from '../../core/worker/app.js';
import type { ConnectorContext, SourceOffset } from '../../core/worker/contracts.js';
import { silentLogger } from '../../core/worker/logger.js';
import { MetricsRegistry } from '../../core/worker/metrics.js';
import { readSourceOffsets } from '../../core/worker/source-offsets.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const base = tempDir('http-source');
let n = 0;

async function readTopic(a: App, topic: string): Promise<LogRecord[]> {
  const engine = await (a.client as ReturnType<typeof embedded>).engine();
  return (await engine.readRecords(topic, 0, 0, 16 << 20)).records;
}

/** An app on an on-disk log (flush: always) running one http source. */
async function runApp(config: Record<string, unknown>, topic = 'events'): Promise<{ a: App; src: HttpSource; url: string }> {
  const a = app({ id: `hs${n++}`, log: embedded({ dataDir: path.join(base, `d${n}`), flush: 'always' }), logger: silentLogger });
  const src = new HttpSource(httpSourceConfig.parse({ port: 0, ...config }));
  a.addSource('webhook', src, { topic });
  await a.start();
  const { port } = src.address();
  return { a, src, url: `http://127.0.0.1:${port}` };
}

function context(): ConnectorContext {
  return {
    appId: 't',
    name: 'webhook',
    logger: silentLogger,
    metrics: new MetricsRegistry(),
    client: embedded({ memory: true }),
    signal: new AbortController().signal,
    committedOffsets: async () => new Map<string, SourceOffset>(),
    deadLetter: async () => {},
  };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', body, headers });

describe('http source through the worker', () => {
  it('answers 200 only once the records are in the log: NDJSON and JSON arrays, keys from a field or a header', async () => {
    const { a, url } = await runApp({ topics: ['events', 'orders'], keyField: 'user', keyHeader: 'X-Tenant' });
    try {
      const nd = '{"user":"u1", "n": 1}\n\n{"user":"u2","n":2}\r\n{"n":3}\n';
      const r1 = await post(`${url}/topics/events`, nd, { 'content-type': 'application/x-ndjson', 'x-tenant': 'acme' });
      expect(r1.status).toBe(200);
      expect(await r1.json()).toEqual({ accepted: 3 });
      // No wait: the 200 itself says the records are durable.
      const events = await readTopic(a, 'events');
      expect(events.map((r) => [r.key?.toString() ?? null, r.value!.toString()])).toEqual([
        ['u1', '{"user":"u1","n":1}'],
        ['u2', '{"user":"u2","n":2}'],
        ['acme', '{"n":3}'],
      ]);
      expect(Math.abs(events[0]!.timestamp - Date.now())).toBeLessThan(10_000);

      const r2 = await post(`${url}/topics/orders`, JSON.stringify([{ id: 1, user: 7 }, { id: 2 }, 'plain']), { 'content-type': 'application/json' });
      expect(await r2.json()).toEqual({ accepted: 3 });
      const orders = await readTopic(a, 'orders');
      expect(orders.map((r) => [r.key?.toString() ?? null, r.value!.toString()])).toEqual([
        ['7', '{"id":1,"user":7}'],
        [null, '{"id":2}'],
        [null, '"plain"'],
      ]);
      // A single object is one record; text/plain is read as lines; no Content-Type is sniffed.
      expect((await (await post(`${url}/topics/orders`, '{"id": 3}', { 'content-type': 'application/json; charset=utf-8' })).json())).toEqual({ accepted: 1 });
      expect((await (await post(`${url}/topics/orders`, '{"id":4}\n{"id":5}', { 'content-type': 'text/plain' })).json())).toEqual({ accepted: 2 });
      expect((await (await fetch(`${url}/topics/orders`, { method: 'POST', body: new Blob(['{"id":6}\n{"id":7}']) })).json())).toEqual({ accepted: 2 });
      expect((await readTopic(a, 'orders')).slice(3).map((r) => r.value!.toString())).toEqual(['{"id":3}', '{"id":4}', '{"id":5}', '{"id":6}', '{"id":7}']);
      // The source offset (the request sequence) is stored with the records.
      const offsets = await readSourceOffsets(a.client, a.id, 'webhook');
      expect(offsets.get('http')).toBe(5);
      // Unknown, refused and invalid topics.
      expect((await post(`${url}/topics/other`, '{}')).status).toBe(404);
      expect((await post(`${url}/topics/bad%20name`, '{}')).status).toBe(400);
      expect((await post(`${url}/nowhere`, '{}')).status).toBe(404);
    } finally {
      await a.stop();
    }
  });

  it('writes a fixed path to the source topic, and resumes the request sequence after a restart', async () => {
    const dataDir = path.join(base, 'fixed');
    const start = async () => {
      const a = app({ id: 'fixed', log: embedded({ dataDir, flush: 'always' }), logger: silentLogger });
      const src = new HttpSource(httpSourceConfig.parse({ port: 0, path: '/ingest' }));
      a.addSource('webhook', src, { topic: 'in' });
      await a.start();
      return { a, url: `http://127.0.0.1:${src.address().port}/ingest` };
    };
    let { a, url } = await start();
    expect((await post(url, '{"a":1}')).status).toBe(200);
    expect((await post(`${url}/`, '{"a":2}')).status).toBe(200);
    await a.stop();
    ({ a, url } = await start());
    expect((await post(url, '{"a":3}')).status).toBe(200);
    expect((await readTopic(a, 'in')).map((r) => r.value!.toString())).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
    expect((await readSourceOffsets(a.client, a.id, 'webhook')).get('http')).toBe(3);
    await a.stop();
  });

  it('refuses bad requests: 400 naming the line, 401, 405, 413, 415', async () => {
    const { a, url } = await runApp({ topics: ['events'], token: 's3cret', bodyLimitBytes: 1024 });
    const auth = { authorization: 'Bearer s3cret' };
    try {
      const bad = await post(`${url}/topics/events`, '{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n', { ...auth, 'content-type': 'application/x-ndjson' });
      expect(bad.status).toBe(400);
      const err = (await bad.json()) as { error: string; line: number };
      expect(err.line).toBe(3);
      expect(err.error).toMatch(/^line 3, column 6: /);
      const badJson = await post(`${url}/topics/events`, '[\n  {"a": 1},\n  {"a": x}\n]', { ...auth, 'content-type': 'application/json' });
      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toMatchObject({ line: 3, column: 9 });
      expect((await readTopic(a, 'events')).length).toBe(0); // nothing of a refused body is written

      const noToken = await post(`${url}/topics/events`, '{}');
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
      expect((await post(`${url}/topics/events`, '{}', { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await fetch(`${url}/topics/events`, { headers: auth })).status).toBe(405);
      expect((await post(`${url}/topics/events`, '<x/>', { ...auth, 'content-type': 'application/xml' })).status).toBe(415);
      // Over the limit by Content-Length: refused before reading.
      const big = await post(`${url}/topics/events`, JSON.stringify({ pad: 'x'.repeat(2000) }), auth);
      expect(big.status).toBe(413);
      // Over the limit while streaming (chunked, no Content-Length): the server answers as soon as
      // it passes the limit and reads no further.
      const streamed = await streamUntilAnswered(`${url}/topics/events`, auth, 64 * 1024 * 1024);
      expect(streamed.status).toBe(413);
      expect(streamed.sent).toBeLessThan(16 * 1024 * 1024);
      // The server still works.
      expect((await post(`${url}/topics/events`, '{"ok":true}', auth)).status).toBe(200);
      expect((await readTopic(a, 'events')).map((r) => r.value!.toString())).toEqual(['{"ok":true}']);
    } finally {
      await a.stop();
    }
  });
});

/** Writes a chunked body of up to `total` bytes until the answer arrives; how much was sent then. */
function streamUntilAnswered(url: string, headers: Record<string, string>, total: number): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' } });
    let sent = 0;
    let answered = false;
    const chunk = Buffer.from(`${JSON.stringify({ pad: 'y'.repeat(1000) })}\n`.repeat(64));
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode!, sent });
    });
    req.on('error', (e) => {
      if (!answered) setTimeout(() => (answered ? undefined : reject(e)), 500);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('http source back-pressure and timeouts (unit level)', () => {
  it('answers 429 with Retry-After past maxPending, and 200 when commit() covers the request', async () => {
    const src = new HttpSource(httpSourceConfig.parse({ port: 0, path: '/in', maxPending: 5, retryAfterSeconds: 3 }));
    await src.start(context());
    const url = `http://127.0.0.1:${src.address().port}/in`;
    try {
      const first = post(url, '{"n":1}\n{"n":2}\n{"n":3}\n');
      const recs = await src.poll();
      expect(recs.map((r) => [r.sourcePartition, r.sourceOffset, r.value!.toString()])).toEqual([
        ['http', 1, '{"n":1}'],
        ['http', 1, '{"n":2}'],
        ['http', 1, '{"n":3}'],
      ]);
      const full = await post(url, '{"n":4}\n{"n":5}\n{"n":6}\n');
      expect(full.status).toBe(429);
      expect(full.headers.get('retry-after')).toBe('3');
      const second = post(url, '{"n":7}\n{"n":8}\n'); // 3 + 2 = 5 fits
      expect((await src.poll()).map((r) => r.sourceOffset)).toEqual([2, 2]); // a refused request takes no number
      let answered = false;
      void first.then(() => (answered = true));
      await src.commit(new Map([['http', 0]]));
      await new Promise((r) => setTimeout(r, 50));
      expect(answered).toBe(false); // offset 0 does not cover request 1
      await src.commit(new Map([['http', 1]]));
      expect((await first).status).toBe(200);
      await src.commit(new Map([['http', 2]]));
      expect(await (await second).json()).toEqual({ accepted: 2 });
    } finally {
      await src.stop();
    }
  });

  it('answers 503 when records are not durable within ackTimeoutMs, and when stopping', async () => {
    const src = new HttpSource(httpSourceConfig.parse({ port: 0, path: '/in', ackTimeoutMs: 200 }));
    await src.start(context());
    const url = `http://127.0.0.1:${src.address().port}/in`;
    const late = await post(url, '{"n":1}');
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(await src.poll()).toEqual([]); // the timed-out request was dropped, not handed out
    const pending = post(url, '{"n":2}');
    expect((await src.poll()).length).toBe(1);
    await src.stop();
    expect((await pending).status).toBe(503);
  });
});

describe('http source in a killed process', () => {
  it('a 200 means the records are on disk: SIGKILL right after the answer loses nothing', async () => {
    const dir = path.join(base, 'kill');
    fs.mkdirSync(dir);
    const yaml = path.join(dir, 'job.yaml');
    fs.writeFileSync(yaml, ['app: hook', 'dataDir: ./data', 'sources:', '  - connector: http', '    name: webhook', '    topic: events', '    config: { port: 0, path: /hook, keyField: id }'].join('\n'));
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sluice.js'), 'connect', yaml], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SLUICE_LOG_LEVEL: 'info' } });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /"msg":"http source listening".*"port":(\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`sluice connect exited: ${stderr}`)));
    });
    const body = Array.from({ length: 500 }, (_, i) => JSON.stringify({ id: `k${i}`, n: i })).join('\n');
    const res = await post(`http://127.0.0.1:${port}/hook`, body, { 'content-type': 'application/x-ndjson' });
    child.kill('SIGKILL');
    expect(res.status).toBe(200);
    expect(await exited).toBe('SIGKILL');
    const client = embedded({ dataDir: path.join(dir, 'data') });
    try {
      const engine = await client.engine();
      const { records } = await engine.readRecords('events', 0, 0, 16 << 20);
      expect(records.length).toBe(500);
      expect(records[499]!.key!.toString()).toBe('k499');
      expect(JSON.parse(records[499]!.value!.toString())).toEqual({ id: 'k499', n: 499 });
    } finally {
      await client.close();
    }
  });
});


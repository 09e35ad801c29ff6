/**
 * The HTTP source against hostile clients, over real sockets on 127.0.0.1: deeply nested JSON is a
 * 400 (not a 500 from a stack overflow), guessing the bearer token is slowed down per address and
 * logged at most once per interval, and slow uploads cannot hold more than maxConcurrentBodies
 * bodies at once.
 */
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpSource, httpSourceConfig } from '../../connectors/http/source.js';
import { embedded } from '../../core/client/embedded/client.js';
import type { Logger } from '../../core/log/types.js';
import { app, type App } from '../../core/worker/app.js';
import { tempDir } from '../support/tmp.js';

const base = tempDir('http-abuse');
let n = 0;

async function runApp(config: Record<string, unknown>, logger: Logger): Promise<{ a: App; url: string; port: number }> {
  const a = app({ id: `ha${n++}`, log: embedded({ dataDir: path.join(base, `d${n}`) }), logger });
  const src = new HttpSource(httpSourceConfig.parse({ port: 0, ...config }));
  a.addSource('webhook', src, { topic: 'events' });
  await a.start();
  const { port } = src.address();
  return { a, port, url: `http://127.0.0.1:${port}/topics/events` };
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('http source under abuse', () => {
  it('answers 400 to JSON nested too deeply, and keeps serving', async () => {
    const { a, url } = await runApp({ bodyLimitBytes: 1 << 20 }, quiet);
    try {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const res = await fetch(url, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: expect.stringMatching(/nested too deeply/) });
      const nd = await fetch(url, { method: 'POST', body: `{"ok":1}\n${'{"a":'.repeat(8000)}1${'}'.repeat(8000)}\n`, headers: { 'content-type': 'application/x-ndjson' } });
      expect(nd.status).toBe(400);
      expect((await fetch(url, { method: 'POST', body: '{"ok":1}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    } finally {
      await a.stop();
    }
  });

  it('limits wrong bearer tokens per address (429 with Retry-After) and logs them rate-limited', async () => {
    const warnings: string[] = [];
    const { a, url } = await runApp({ token: 'right', maxTokenFailures: 5 }, { ...quiet, warn: (m) => void warnings.push(m) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer guess-${i}` } });
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get('retry-after')).toBe('1');
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
      // Even the right token waits out the window from that address.
      expect((await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer right' } })).status).toBe(429);
      expect(warnings.filter((w) => /bearer token refused/.test(w)).length).toBe(1);
    } finally {
      await a.stop();
    }
  });

  it('receives at most maxConcurrentBodies bodies at once: more get 503 with Retry-After', async () => {
    const { a, port, url } = await runApp({ maxConcurrentBodies: 3 }, quiet);
    const slow: net.Socket[] = [];
    try {
      // Three clients start a 1 000-byte body and send only 10 bytes of it.
      for (let i = 0; i < 3; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        await new Promise((r) => s.once('connect', r));
        s.write('POST /topics/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"....');
        slow.push(s);
      }
      await new Promise((r) => setTimeout(r, 300));
      const res = await fetch(url, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      for (const s of slow) s.destroy();
      await new Promise((r) => setTimeout(r, 300));
      expect((await fetch(url, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    } finally {
      for (const s of slow) s.destroy();
      await a.stop();
    }
  });
});

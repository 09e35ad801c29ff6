/**
 * Interactive queries through the management API: a running DSL app on the embedded log counts
 * events per user (a key-value store), per user and second (a window store, its grace long enough
 * that no window expires) and per user session (a session store in the real Redis on
 * 127.0.0.1:6379, under a prefix of its own deleted afterwards); the API lists its
 * stores, reads a key, a range and everything, and answers 404 and 400 as the other endpoints do.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { startManagementServer, type ManagementServer } from '../../api/server.js';
import { silentLogger } from '../../core/worker/logger.js';
import { count, groupByKey, session, string, to, tumbling, windowed, type Rec } from '../../processors/index.js';
import { deleteKeysWithPrefix } from '../../processors/stores/redis-util.js';
import { app, type App } from '../../processors/streams-app.js';
import { onCleanup } from '../support/cleanup.js';
import { testLog } from '../support/log.js';

interface Ev {
  user: string;
  ts: number;
}

let a: App;
let server: ManagementServer;
const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  const log = await testLog();
  await log.client.admin().createTopic('ev', { partitions: 2 });
  // u0 ×4, u1 ×3, u2 ×2, u3 ×1, over two seconds.
  const users = ['u0', 'u1', 'u2', 'u3', 'u0', 'u1', 'u2', 'u0', 'u1', 'u0'];
  await log.client.producer().send('ev', users.map((user, i) => ({ key: user, value: JSON.stringify({ user, ts: 1000 + i * 150 }), timestamp: 1000 + i * 150 })));
  a = app({ id: 'iq', log: log.client, logger: silentLogger, batch: { maxWaitMs: 20 } });
  const ev = () => a.stream<string, Ev>('ev', { key: string(), timestamp: (v) => v.ts });
  ev().pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), count({ name: 'per-user' }), to('per-user-out'));
  ev().pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(tumbling(1000, { grace: 10_000 })), count({ name: 'per-second' }), to('per-second-out'));
  const redis = new Redis('redis://127.0.0.1:6379');
  const prefix = `iqtest-${randomUUID()}:`;
  onCleanup(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });
  ev().pipe(groupByKey((r: Rec<string, Ev>) => r.value.user), windowed(session(500, { grace: 10_000 })), count({ name: 'sessions', store: { backend: 'redis', redis, prefix } }), to('sessions-out'));
  await a.start();
  onCleanup(() => a.stop());
  await a.idle(100);
  server = await startManagementServer({ client: log.client, app: a, port: 0 });
  onCleanup(() => server.close());
});

describe('GET /api/stores', () => {
  it('lists the stores of the running tasks with kind, partitions and changelog', async () => {
    const r = await get('/api/stores');
    expect(r.status).toBe(200);
    expect(r.body.app).toBe('iq');
    const byName = Object.fromEntries(r.body.stores.map((s: any) => [s.name, s]));
    expect(byName['per-user']).toMatchObject({ kind: 'key-value', partitions: [0, 1], changelog: 'iq-per-user-changelog' });
    expect(byName['per-second']).toMatchObject({ kind: 'window', partitions: [0, 1] });
    expect(byName['sessions']).toMatchObject({ kind: 'session', partitions: [0, 1] });
  });
});

describe('GET /api/stores/{name}/keys/{key}', () => {
  it("reads a key's count, and each window of a windowed key", async () => {
    const r = await get(`/api/stores/per-user/keys/${encodeURIComponent('"u0"')}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ store: 'per-user', kind: 'key-value', more: false });
    expect(r.body.entries).toEqual([{ key: 'u0', value: 4, partition: expect.any(Number) }]);

    const w = await get(`/api/stores/per-second/keys/${encodeURIComponent('"u0"')}`);
    expect(w.body.entries.map((e: any) => [e.window, e.value])).toEqual([
      [{ start: 1000, end: 2000 }, 2],
      [{ start: 2000, end: 3000 }, 2],
    ]);

    // u0 at 1000, 1600, 2050, 2350 with a 500 ms gap: a session of one, then one of three (read from Redis).
    const s = await get(`/api/stores/sessions/keys/${encodeURIComponent('"u0"')}`);
    expect(s.body.kind).toBe('session');
    expect(s.body.entries.map((e: any) => [e.window, e.value])).toEqual([
      [{ start: 1000, end: 1000 }, 1],
      [{ start: 1600, end: 2350 }, 3],
    ]);
  });

  it('answers 404 for an unknown store or key and 400 naming the key that does not parse', async () => {
    const s = await get('/api/stores/nope/keys/1');
    expect(s.status).toBe(404);
    expect(s.body.message).toMatch(/store "nope" does not exist; this app has .*per-user/);
    const k = await get(`/api/stores/per-user/keys/${encodeURIComponent('"u9"')}`);
    expect(k).toMatchObject({ status: 404, body: { error_code: 404 } });
    const bad = await get('/api/stores/per-user/keys/u0');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^path\.key: .*written in quotes/);
  });
});

describe('GET /api/stores/{name}', () => {
  it('reads all, a range and a limited answer in key order', async () => {
    const all = await get('/api/stores/per-user');
    expect(all.status).toBe(200);
    const counts = Object.fromEntries(all.body.entries.map((e: any) => [e.key, e.value]));
    expect(counts).toEqual({ u0: 4, u1: 3, u2: 2, u3: 1 });

    const range = await get(`/api/stores/per-user?from=${encodeURIComponent('"u1"')}&to=${encodeURIComponent('"u2"')}`);
    expect(range.body.entries.map((e: any) => e.key).sort()).toEqual(['u1', 'u2']);

    const limited = await get('/api/stores/per-user?limit=3');
    expect(limited.body.entries).toHaveLength(3);
    expect(limited.body.more).toBe(true);

    const windows = await get('/api/stores/per-second');
    expect(windows.body.kind).toBe('window');
    expect(windows.body.entries.every((e: any) => e.window.end - e.window.start === 1000)).toBe(true);
    expect(windows.body.entries.reduce((n: number, e: any) => n + e.value, 0)).toBe(10);
  });

  it('answers 400 naming a bad parameter', async () => {
    const limit = await get('/api/stores/per-user?limit=0');
    expect(limit.status).toBe(400);
    expect(limit.body.message).toMatch(/query\.limit/);
    const from = await get('/api/stores/per-user?from=u1');
    expect(from.status).toBe(400);
    expect(from.body.message).toMatch(/^query\.from: /);
    expect((await get('/api/stores/nope')).status).toBe(404);
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const doc = await get('/api/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/stores', '/api/stores/{name}', '/api/stores/{name}/keys/{key}']));
  });
});

/**
 * The Redis sink through the worker (in-memory log) against the real Redis on 127.0.0.1:6379:
 * string keys and hashes written, updated and deleted as the table changes, TTLs, records it
 * cannot address dead-lettered, and a batch Redis refuses rejected (then dead-lettered by the
 * worker). Every key lives under a unique prefix, deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSink, redisSinkConfig } from '../../connectors/redis/sink.js';
import { RedisSinkError } from '../../connectors/redis/errors.js';
import { compileKeyTemplate } from '../../connectors/redis/key-template.js';
import { embedded } from '../../core/client/embedded/client.js';
import { testLog } from '../support/log.js';
import type { LogRecord } from '../../core/log/types.js';
import { app, type App } from '../../core/worker/app.js';
import type { ConnectorContext } from '../../core/worker/contracts.js';
import { silentLogger } from '../../core/worker/logger.js';
import { MetricsRegistry } from '../../core/worker/metrics.js';
import { deleteKeysWithPrefix as deleteRedisPrefix } from '../../processors/stores/redis-util.js';

const prefix = `sluice-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
const redis = new Redis('redis://127.0.0.1:6379');

afterAll(async () => {
  await deleteRedisPrefix(redis, prefix);
  await redis.quit();
});

let n = 0;
interface Running {
  a: App;
  /** Appends records to topic `t` and waits until the sink committed them. */
  send(records: Array<{ key: string | null; value: unknown }>): Promise<void>;
  dlq(): Promise<LogRecord[]>;
}

async function runSink(config: Record<string, unknown>): Promise<Running> {
  const log = await testLog();
  const client = log.client;
  await client.admin().createTopic('t', { partitions: 1 });
  const a = app({ id: `redis${n++}`, log: client, logger: silentLogger, errors: { retries: 0 }, batch: { maxWaitMs: 20 } });
  a.addSink('out', new RedisSink(redisSinkConfig.parse(config)), { topics: ['t'] });
  await a.start();
  let total = 0;
  return {
    a,
    async send(records) {
      await client.producer().send('t', records.map((r) => ({ key: r.key, value: r.value === null ? null : typeof r.value === 'string' ? r.value : JSON.stringify(r.value) })));
      total += records.length;
      const end = Date.now() + 15_000;
      for (;;) {
        const g = await client.admin().describeGroup(`${a.id}.sink-out`);
        if (g.offsets.reduce((s, o) => s + o.committed, 0) >= total) return;
        if (Date.now() > end) throw new Error('sink did not commit in time');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async dlq() {
      return (await log.engine.readRecords(`${a.id}.dlq`, 0, 0, 16 << 20)).records;
    },
  };
}

describe('redis sink', () => {
  it('string mode: SETs, updates and DELs on tombstones; the last record of a key in a batch wins', async () => {
    const p = `${prefix}s:`;
    const r = await runSink({ key: `${p}user:{key}` });
    try {
      await r.send([
        { key: 'u1', value: { name: 'Ann' } },
        { key: 'u2', value: 'plain text' },
        { key: 'u3', value: { name: 'Cy' } },
        { key: 'u1', value: { name: 'Ann B' } },
      ]);
      expect(await redis.mget(`${p}user:u1`, `${p}user:u2`, `${p}user:u3`)).toEqual(['{"name":"Ann B"}', 'plain text', '{"name":"Cy"}']);
      expect(await redis.pttl(`${p}user:u1`)).toBe(-1);
      await r.send([
        { key: 'u2', value: null },
        { key: 'u3', value: { name: 'Cy 2' } },
        { key: 'u4', value: null }, // deleting what is not there is fine
      ]);
      expect(await redis.exists(`${p}user:u2`)).toBe(0);
      expect(await redis.get(`${p}user:u3`)).toBe('{"name":"Cy 2"}');
      // A record without a key cannot be addressed by "{key}": dead-lettered, the rest written.
      await r.send([{ key: null, value: { x: 1 } }, { key: 'u5', value: { x: 5 } }]);
      expect(await redis.get(`${p}user:u5`)).toBe('{"x":5}');
      const dead = await r.dlq();
      expect(dead).toHaveLength(1);
      expect(dead[0]!.headers['sluice.error']!.toString()).toMatch(/has no key for "\{key\}"/);
    } finally {
      await r.a.stop();
    }
  });

  it('hash mode: DEL + HSET so removed fields vanish, DEL on tombstone, fields templated from the value', async () => {
    const p = `${prefix}h:`;
    const r = await runSink({ mode: 'hash', key: `${p}{topic}:{partition}:{key}` });
    try {
      await r.send([
        { key: 'o1', value: { status: 'new', total: 12.5, tags: ['a'], note: null } },
        { key: 'o2', value: { status: 'new' } },
      ]);
      expect(await redis.hgetall(`${p}t:0:o1`)).toEqual({ status: 'new', total: '12.5', tags: '["a"]' });
      await r.send([{ key: 'o1', value: { status: 'paid' } }, { key: 'o2', value: null }, { key: 'o3', value: [1, 2] }]);
      expect(await redis.hgetall(`${p}t:0:o1`)).toEqual({ status: 'paid' });
      expect(await redis.exists(`${p}t:0:o2`)).toBe(0);
      expect(await redis.exists(`${p}t:0:o3`)).toBe(0);
      const dead = await r.dlq();
      expect(dead.map((d) => d.headers['sluice.error']!.toString())).toEqual([expect.stringMatching(/hash mode needs a JSON object/)]);
      // An empty object leaves no hash at all.
      await r.send([{ key: 'o1', value: {} }]);
      expect(await redis.exists(`${p}t:0:o1`)).toBe(0);
    } finally {
      await r.a.stop();
    }
    // A key named by a field of the value.
    const byField = await runSink({ mode: 'hash', key: `${p}by-id:{value.id}` });
    try {
      await byField.send([{ key: null, value: { id: 42, name: 'x' } }]);
      expect(await redis.hgetall(`${p}by-id:42`)).toEqual({ id: '42', name: 'x' });
      await byField.send([{ key: 'k', value: null }]); // a tombstone has no fields: dead-lettered
      expect((await byField.dlq())[0]!.headers['sluice.error']!.toString()).toMatch(/is a tombstone/);
    } finally {
      await byField.a.stop();
    }
  });

  it('sets TTLs: PX for strings, EXPIRE for hashes, renewed by each write', async () => {
    const p = `${prefix}ttl:`;
    const s = await runSink({ key: `${p}s:{key}`, ttlMs: 60_000 });
    const h = await runSink({ mode: 'hash', key: `${p}h:{key}`, ttlSeconds: 120 });
    try {
      await s.send([{ key: 'a', value: { v: 1 } }]);
      await h.send([{ key: 'a', value: { v: 1 } }]);
      const pttl = await redis.pttl(`${p}s:a`);
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
      const ttl = await redis.ttl(`${p}h:a`);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
      await redis.pexpire(`${p}s:a`, 5000);
      await s.send([{ key: 'a', value: { v: 2 } }]);
      expect(await redis.pttl(`${p}s:a`)).toBeGreaterThan(50_000);
    } finally {
      await s.a.stop();
      await h.a.stop();
    }
  });

  it('rejects a batch Redis refuses (the worker then dead-letters it); a bad template or URL fails at start', async () => {
    const p = `${prefix}acl:`;
    const user = `sluice-test-${randomBytes(4).toString('hex')}`;
    await redis.call('ACL', 'SETUSER', user, 'on', '>pw', `~${p}ok:*`, '+@all');
    try {
      const r = await runSink({ url: `redis://${user}:pw@127.0.0.1:6379`, key: `${p}{key}` });
      try {
        await r.send([{ key: 'ok:1', value: 'fine' }, { key: 'no:1', value: 'refused' }]);
        expect(await redis.exists(`${p}ok:1`)).toBe(0); // the whole MULTI was refused
        const dead = await r.dlq();
        expect(dead.map((d) => d.value!.toString())).toEqual(['fine', 'refused']);
        expect(dead[0]!.headers['sluice.error']!.toString()).toMatch(/NOPERM|EXECABORT/);
      } finally {
        await r.a.stop();
      }
    } finally {
      await redis.call('ACL', 'DELUSER', user);
    }
    expect(redisSinkConfig.safeParse({ key: 'x:{nope}' }).error?.issues[0]).toMatchObject({ path: ['key'], message: expect.stringMatching(/unknown placeholder "\{nope\}"/) });
    expect(redisSinkConfig.safeParse({ ttlMs: 1, ttlSeconds: 1 }).success).toBe(false);
    expect(compileKeyTemplate('a:{value.user.id}:{key}').render({ topic: 't', partition: 0, offset: 0, key: Buffer.from('k'), value: null, headers: {}, timestamp: 0 }, { user: { id: 'u' } })).toBe('a:u:k');
    const closed = http.createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', () => ok()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const sink = new RedisSink(redisSinkConfig.parse({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 2000 }));
    const ctx: ConnectorContext = { appId: 'x', name: 'r', logger: silentLogger, metrics: new MetricsRegistry(), client: embedded({ memory: true }), signal: new AbortController().signal, committedOffsets: async () => new Map(), deadLetter: async () => {} };
    await expect(sink.start(ctx)).rejects.toThrow(RedisSinkError);
    await expect(sink.start(ctx)).rejects.toThrow(/cannot connect to redis:\/\/127\.0\.0\.1:\d+: /);
    const noDb = new RedisSink(redisSinkConfig.parse({ url: 'redis://127.0.0.1:6379/99999' }));
    await expect(noDb.start(ctx)).rejects.toThrow(/DB index is out of range/);
  });
});

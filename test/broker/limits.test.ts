/**
 * What a client cannot make the broker do: hold unread responses without bound, buffer large
 * frames before authenticating, open unlimited connections, stay connected while idle, guess
 * passwords on one connection, or get gigabyte Fetch responses; and what the broker answers when
 * the disk is full or a commit is bad. Raw sockets on 127.0.0.1 and real clients (kafkajs).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startBroker, type Broker, type BrokerOptions } from '../../core/broker/server.js';
import { KafkaErrorCode } from '../../core/kafka-errors.js';
import { Reader } from '../../core/broker/wire.js';
import type { Logger } from '../../core/log/types.js';
import { tempDir } from '../support/tmp.js';
import { frame } from './frames.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const base = tempDir('broker-limits');
let dirs = 0;

async function withBroker<T>(opts: BrokerOptions, fn: (b: Broker) => Promise<T>): Promise<T> {
  const broker = await startBroker({ port: 0, logger: quiet, ...opts });
  try {
    return await fn(broker);
  } finally {
    await broker.close();
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves true when the broker closes the socket within `ms`. */
function closesWithin(s: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    s.on('error', () => {});
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Reads responses (size-prefixed) off a socket. */
function responses(s: net.Socket): { next(): Promise<Buffer>; count(): number } {
  let pending = Buffer.alloc(0);
  const ready: Buffer[] = [];
  let waiter: ((b: Buffer) => void) | null = null;
  let n = 0;
  s.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const body = pending.subarray(4, 4 + pending.readInt32BE(0));
      pending = pending.subarray(4 + body.length);
      n++;
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(body);
      } else ready.push(body);
    }
  });
  return { next: () => (ready.length ? Promise.resolve(ready.shift()!) : new Promise((r) => (waiter = r))), count: () => n };
}

const fetchFrame = (correlationId: number, topic: string, partitions: number[], maxBytes: number, partitionMaxBytes: number) =>
  frame(1, 4, correlationId, (w) => w.int32(-1).int32(0).int32(1).int32(maxBytes).int8(0).array([topic], (w, t) => w.string(t).array(partitions, (w, p) => w.int32(p).int64(0).int32(partitionMaxBytes))));

describe('broker memory and connection limits', () => {
  it('a client that sends Fetches and never reads the answers gets a bounded buffer, and others are served', async () => {
    // On disk: each read is a fresh buffer (an in-memory log would answer with views of one).
    await withBroker({ dataDir: path.join(base, `d${dirs++}`) }, async (broker) => {
      await broker.engine.createTopic('big', { partitions: 1 });
      const value = Buffer.alloc(100_000, 7);
      for (let i = 0; i < 10; i++) await broker.engine.append('big', 0, Array.from({ length: 10 }, () => ({ value }))); // 10 MB
      const s = await connect(broker.port);
      s.on('error', () => {});
      s.pause(); // never read
      const before = process.memoryUsage().rss;
      // 100 Fetches of the whole partition: 1 GB of answers if they were all buffered.
      for (let i = 0; i < 100; i++) s.write(fetchFrame(i, 'big', [0], 64 << 20, 64 << 20));
      await new Promise((r) => setTimeout(r, 3000));
      const grown = process.memoryUsage().rss - before;
      expect(grown).toBeLessThan(200 * 1024 * 1024);
      // Another client is answered meanwhile.
      const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
      const admin = kafka.admin();
      await admin.connect();
      expect(await admin.listTopics()).toContain('big');
      await admin.disconnect();
      s.destroy();
    });
  }, 60_000);

  it('caps a Fetch response at fetch.max.bytes whatever max_bytes the client asks', async () => {
    await withBroker({ fetchMaxBytes: 256 * 1024 }, async (broker) => {
      await broker.engine.createTopic('f', { partitions: 3 });
      for (let p = 0; p < 3; p++) for (let i = 0; i < 20; i++) await broker.engine.append('f', p, [{ value: Buffer.alloc(50_000, 1) }]);
      const s = await connect(broker.port);
      const r = responses(s);
      s.write(fetchFrame(1, 'f', [0, 1, 2], 0x7fffffff, 0x7fffffff));
      const body = await r.next();
      expect(body.length).toBeLessThan(256 * 1024 + 100_000); // the cap, plus at most the first batch whole
      expect(body.length).toBeGreaterThan(100_000);
      s.destroy();
    });
  });

  it('refuses a frame over 512 KB before SASL authentication, from its size prefix', async () => {
    await withBroker({ users: { alice: 'secret' } }, async (broker) => {
      const s = await connect(broker.port);
      const head = Buffer.alloc(4);
      head.writeInt32BE(1024 * 1024, 0); // 1 MiB: under socket.request.max.bytes, over the pre-auth limit
      s.write(head);
      s.write(Buffer.alloc(1000));
      expect(await closesWithin(s, 2000)).toBe(true);
    });
  });

  it('bounds request bytes held over all connections (queued.max.request.bytes): half-sent frames wait', async () => {
    await withBroker({ maxRequestBytes: 32 << 20, maxQueuedRequestBytes: 64 << 20 }, async (broker) => {
      const before = process.memoryUsage().rss;
      // The attacker runs in its own process (its unsent bytes must not count here): 10 connections
      // each send 30 MiB of a 32 MiB frame and never finish it, 300 MiB if all were taken in.
      const attacker = spawn(process.execPath, ['-e', `
        const net = require('node:net');
        for (let i = 0; i < 10; i++) {
          const s = net.connect(${broker.port}, '127.0.0.1', () => {
            const head = Buffer.alloc(4);
            head.writeInt32BE(${(32 << 20) - 1}, 0);
            s.write(head);
            for (let j = 0; j < 30; j++) s.write(Buffer.alloc(1 << 20, 1));
          });
          s.on('error', () => {});
        }
        setInterval(() => {}, 1000);
      `], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 4000));
        expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
        expect(broker.connections()).toBe(10);
      } finally {
        attacker.kill('SIGKILL');
      }
    });
  }, 60_000);

  it('refuses connections past max.connections.per.ip and max.connections, and closes idle ones', async () => {
    await withBroker({ maxConnectionsPerIp: 3, connectionsMaxIdleMs: 60_000 }, async (broker) => {
      const open = await Promise.all([0, 1, 2].map(() => connect(broker.port)));
      const extra = await connect(broker.port);
      expect(await closesWithin(extra, 2000)).toBe(true);
      expect(broker.stats().rejectedConnections).toBe(1);
      open[0]!.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const again = await connect(broker.port);
      expect(await closesWithin(again, 300)).toBe(false);
      for (const s of [...open, again]) s.destroy();
    });
    await withBroker({ maxConnections: 2 }, async (broker) => {
      const open = await Promise.all([0, 1].map(() => connect(broker.port)));
      expect(await closesWithin(await connect(broker.port), 2000)).toBe(true);
      for (const s of open) s.destroy();
    });
    await withBroker({ connectionsMaxIdleMs: 300 }, async (broker) => {
      const idle = await connect(broker.port);
      expect(await closesWithin(idle, 3000)).toBe(true);
      expect(broker.stats().idleClosed).toBe(1);
    });
  });
});

describe('SASL/PLAIN hardening', () => {
  const handshake = (id: number) => frame(17, 1, id, (w) => w.string('PLAIN'));
  const authenticate = (id: number, token: string) => frame(36, 1, id, (w) => w.bytes(Buffer.from(token)));

  it('closes the connection after a failed login, after the delay, and logs failures rate-limited', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...quiet, warn: (m) => void warnings.push(m) };
    await withBroker({ users: { alice: 'secret' }, failedAuthenticationDelayMs: 300, logger }, async (broker) => {
      for (let i = 0; i < 5; i++) {
        const s = await connect(broker.port);
        const r = responses(s);
        const t0 = Date.now();
        s.write(handshake(1));
        await r.next();
        s.write(authenticate(2, '\0alice\0guess'));
        const body = await r.next();
        expect(new Reader(body, 4).int16()).toBe(KafkaErrorCode.SASL_AUTHENTICATION_FAILED);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
        // A second guess on the same connection is not possible: it closes.
        s.write(authenticate(3, '\0alice\0guess2'));
        expect(await closesWithin(s, 2000)).toBe(true);
      }
      expect(broker.stats().authFailures).toBe(5);
      expect(warnings.filter((w) => /authentication failed/.test(w)).length).toBe(1);
    });
  });

  it('refuses an authorization identity other than the user, and a re-authentication as someone else', async () => {
    await withBroker({ users: { alice: 'a-secret', bob: 'b-secret' }, failedAuthenticationDelayMs: 0 }, async (broker) => {
      let s = await connect(broker.port);
      let r = responses(s);
      s.write(handshake(1));
      await r.next();
      s.write(authenticate(2, 'bob\0alice\0a-secret'));
      expect(new Reader(await r.next(), 4).int16()).toBe(KafkaErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(await closesWithin(s, 2000)).toBe(true);

      s = await connect(broker.port);
      r = responses(s);
      s.write(handshake(1));
      await r.next();
      s.write(authenticate(2, 'alice\0alice\0a-secret'));
      expect(new Reader(await r.next(), 4).int16()).toBe(0);
      s.write(handshake(3));
      await r.next();
      s.write(authenticate(4, '\0bob\0b-secret'));
      expect(new Reader(await r.next(), 4).int16()).toBe(KafkaErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(await closesWithin(s, 2000)).toBe(true);
    });
  });
});

describe('broker answers', () => {
  it('warns when listening on every interface without users, and reports the real listen address', async () => {
    const warnings: string[] = [];
    await withBroker({ host: '0.0.0.0', logger: { ...quiet, warn: (m) => void warnings.push(m) } }, async (broker) => {
      expect(broker.listenAddress).toBe(`0.0.0.0:${broker.port}`);
      expect(broker.address).toBe(`127.0.0.1:${broker.port}`);
      expect(warnings.join('\n')).toMatch(/listening on 0\.0\.0\.0:\d+ without authentication/);
    });
  });

  it('a full disk: Produce gets KAFKA_STORAGE_ERROR, OffsetCommit an error code, and the connection stays open', async () => {
    const dir = path.join(base, `d${dirs++}`);
    await withBroker({ dataDir: dir }, async (broker) => {
      await broker.engine.createTopic('full', { partitions: 1 });
    });
    for (const t of ['full', '__consumer_offsets']) {
      const seg = path.join(dir, t, '0', '00000000000000000000.log');
      fs.rmSync(seg);
      fs.symlinkSync('/dev/full', seg);
    }
    await withBroker({ dataDir: dir }, async (broker) => {
      const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
      const producer = kafka.producer();
      await producer.connect();
      // KAFKA_STORAGE_ERROR is retriable: kafkajs retries it, then reports Kafka's message for code 56.
      await expect(producer.send({ topic: 'full', acks: -1, messages: [{ value: 'v' }] })).rejects.toThrow(/Disk error when trying to access log file on the disk/);
      await producer.disconnect();
      const s = await connect(broker.port);
      const r = responses(s);
      s.write(frame(8, 2, 1, (w) => w.string('g').int32(-1).string('').int64(-1).array(['full'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(1).nullableString(null)))));
      const body = new Reader(await r.next(), 4);
      body.int32(); // topics
      body.string();
      body.int32(); // partitions
      body.int32();
      expect(body.int16()).toBe(KafkaErrorCode.NOT_COORDINATOR);
      expect(await closesWithin(s, 300)).toBe(false);
      s.destroy();
    });
  });

  it('OffsetCommit: metadata over 4 KB and unknown topics get their own error codes', async () => {
    await withBroker({}, async (broker) => {
      await broker.engine.createTopic('known', { partitions: 1 });
      const s = await connect(broker.port);
      const r = responses(s);
      const commit = (topic: string, partition: number, metadata: string | null) =>
        frame(8, 2, 1, (w) => w.string('g').int32(-1).string('').int64(-1).array([topic], (w, t) => w.string(t).array([partition], (w, p) => w.int32(p).int64(1).nullableString(metadata))));
      const codeOf = async () => {
        const b = new Reader(await r.next(), 4);
        b.int32();
        b.string();
        b.int32();
        b.int32();
        return b.int16();
      };
      s.write(commit('known', 0, 'm'.repeat(5000)));
      expect(await codeOf()).toBe(KafkaErrorCode.OFFSET_METADATA_TOO_LARGE);
      s.write(commit('nope', 0, null));
      expect(await codeOf()).toBe(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      s.write(commit('known', 5, null));
      expect(await codeOf()).toBe(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      s.write(commit('known', 0, 'fine'));
      expect(await codeOf()).toBe(0);
      s.destroy();
    });
  });
});

/**
 * Broker soak, within CI's budget: for about 35 s a separate process runs hostile clients at once
 * (fuzzed frames of every API key, slow and stalled senders, pipelining clients that never read,
 * connection churn past the per-address limit) while a well-behaved kafkajs producer and consumer
 * work on their own connections. The broker's RSS and open descriptors are sampled throughout and
 * must stay bounded, and every record the good client produced must be stored and consumed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../core/broker/server.js';
import type { Logger } from '../../core/log/types.js';
import { repoRoot } from '../support/tmp.js';

const ATTACK_MS = 35_000;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const openFds = () => fs.readdirSync('/proc/self/fd').length;

describe('broker soak', () => {
  it('stays within memory and descriptor bounds under hostile clients while a good client is served', async () => {
    const broker = await startBroker({ port: 0, logger: quiet, maxConnections: 400, maxConnectionsPerIp: 150, connectionsMaxIdleMs: 3000, maxRequestBytes: 8 << 20, maxQueuedRequestBytes: 64 << 20 });
    try {
      await broker.engine.createTopic('soak-big', { partitions: 1 });
      await broker.engine.createTopic('fuzz', { partitions: 1 });
      await broker.engine.createTopic('fuzz-produce', { partitions: 1 });
      await broker.engine.createTopic('probe', { partitions: 1 });
      const value = Buffer.alloc(100_000, 3);
      for (let i = 0; i < 20; i++) await broker.engine.append('soak-big', 0, Array.from({ length: 10 }, () => ({ value }))); // 20 MB per fetch
      const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, clientId: 'good' });
      const producer = kafka.producer();
      await producer.connect();
      const consumer = kafka.consumer({ groupId: 'good-group', maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topics: ['probe'], fromBeginning: true });
      const consumed = new Set<number>();
      await consumer.run({ eachMessage: async ({ message }) => void consumed.add(Number(message.value!.toString())) });

      const rssBase = process.memoryUsage().rss;
      const fdBase = openFds();
      let maxRss = rssBase;
      let maxFds = fdBase;
      const sampler = setInterval(() => {
        maxRss = Math.max(maxRss, process.memoryUsage().rss);
        maxFds = Math.max(maxFds, openFds());
      }, 250);

      const abuser = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/fixtures/broker-abuser.ts'), String(broker.port), String(ATTACK_MS)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let abuserOut = '';
      abuser.stdout.on('data', (d: Buffer) => (abuserOut += d.toString()));
      const abuserDone = new Promise<void>((resolve) => abuser.on('exit', () => resolve()));

      let probes = 0;
      const latencies: number[] = [];
      try {
        const until = Date.now() + ATTACK_MS;
        while (Date.now() < until) {
          const t0 = Date.now();
          await producer.send({ topic: 'probe', acks: -1, messages: [{ value: String(probes) }] });
          latencies.push(Date.now() - t0);
          probes++;
          await new Promise((r) => setTimeout(r, 50));
        }
        await abuserDone;
      } finally {
        abuser.kill('SIGKILL');
        clearInterval(sampler);
      }
      const deadline = Date.now() + 20_000;
      while (consumed.size < probes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await consumer.disconnect();
      await producer.disconnect();

      const stats = broker.stats();
      console.log(
        `soak: ${probes} probes (max latency ${Math.max(...latencies)} ms), attack ${abuserOut.trim()}, ` +
          `broker read ${stats.requests} requests, refused ${stats.refused} connections for bad frames, ${stats.rejectedConnections} at accept, ${stats.idleClosed} idle; ` +
          `RSS +${((maxRss - rssBase) / 2 ** 20).toFixed(0)} MiB, fds ${fdBase}→${maxFds}`,
      );
      expect(JSON.parse(abuserOut).fuzzConnections).toBeGreaterThan(50);
      expect(stats.rejectedConnections).toBeGreaterThan(0);
      expect(stats.idleClosed).toBeGreaterThan(0);
      expect(probes).toBeGreaterThan(100);
      const stored = (await broker.engine.readRecords('probe', 0, 0, 1 << 24)).records.map((r) => Number(r.value!.toString()));
      expect(stored).toEqual(Array.from({ length: probes }, (_, i) => i));
      expect(consumed.size).toBe(probes);
      expect(maxRss - rssBase).toBeLessThan(400 * 2 ** 20);
      expect(maxFds - fdBase).toBeLessThan(400 + 50); // max.connections plus a few segment files
    } finally {
      await broker.close();
    }
  }, 120_000);
});

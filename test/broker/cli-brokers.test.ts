/**
 * The CLI against `sluice broker` with --brokers: topics, produce, consume, and `groups describe`
 * showing a kafkajs member and an in-process EmbeddedClient member of one group with their lag.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { repoRoot } from '../support/tmp.js';
import { testBroker } from './support.js';

const broker = await testBroker();
const bin = path.join(repoRoot, 'bin/sluice.js');

function sluice(args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args, '--brokers', broker.address], { cwd: repoRoot });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input ?? '');
  });
}

describe('sluice CLI with --brokers', () => {
  it('creates topics, produces, consumes and describes groups through the broker', async () => {
    expect((await sluice(['topics', 'create', 'cli-t', '--partitions', '2'])).code).toBe(0);
    expect((await sluice(['topics', 'list'])).out.split('\n')).toContain('cli-t');
    expect(broker.engine.partitionCount('cli-t')).toBe(2);
    const p = await sluice(['produce', 'cli-t', '--key-separator', ':'], Array.from({ length: 20 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n');
    expect(p.code, p.err).toBe(0);
    const c = await sluice(['consume', 'cli-t', '--from-beginning', '--max-messages', '20', '--print-key', '--timeout-ms', '5000']);
    expect(c.code, c.err).toBe(0);
    expect(c.out.trim().split('\n').sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}\tv${i}`).sort());

    // One kafkajs member and one in-process member of the same group, with commits.
    const kafka = new Kafka({ brokers: [broker.address], clientId: 'kafkajs-member', logLevel: logLevel.NOTHING });
    const remote = kafka.consumer({ groupId: 'cli-g', heartbeatInterval: 300 });
    await remote.connect();
    await remote.subscribe({ topic: 'cli-t', fromBeginning: true });
    await remote.run({ eachMessage: async () => {} });
    const local = embedded(broker.engine).consumer({ groupId: 'cli-g', topics: ['cli-t'], assignor: 'roundrobin', clientId: 'embedded-member', heartbeatIntervalMs: 300 });
    await local.start();
    const end = Date.now() + 20_000;
    while (local.assignment().length !== 1 && Date.now() < end) {
      for (const b of await local.poll({ maxWaitMs: 100 })) await local.commit([{ topic: b.topic, partition: b.partition, offset: b.records.at(-1)!.offset + 1 }]);
    }
    const d = await sluice(['groups', 'describe', 'cli-g']);
    expect(d.code, d.err).toBe(0);
    expect(d.out).toContain('kafkajs-member');
    expect(d.out).toContain('embedded-member');
    expect(d.out).toMatch(/lag/i);
    await local.close();
    await remote.disconnect();
  });
});

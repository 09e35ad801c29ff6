/**
 * Compressed batches: kcat (librdkafka) writes gzip, snappy, lz4 and zstd; the broker stores each
 * batch as sent (its codec bits unchanged) and every Sluice reader decodes them: the log's readers
 * (DSL and worker through an App, the embedded client), the KafkaClient over kafkajs (the CLI's
 * `sluice consume --brokers`), and kcat reads them back. Sluice's own producers compress as the
 * topic's compression.type says, embedded and through the broker.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { kafka } from '../../core/client/kafka/client.js';
import { readBatchHeader } from '../../core/log/record-batch.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { repoRoot } from '../support/tmp.js';
import { run, testBroker } from './support.js';

const broker = await testBroker({ autoCreateTopics: false });
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const PER_CODEC = 500;

/** Codec ids of every stored batch of a topic. */
async function storedCodecs(topic: string): Promise<Set<number>> {
  const out = new Set<number>();
  for (let p = 0; p < broker.engine.partitionCount(topic); p++) {
    for (let offset = 0; ; ) {
      const { batches, highWatermark } = await broker.engine.read(topic, p, offset, 1 << 20);
      for (const b of batches) out.add(readBatchHeader(b, 0).compression);
      if (batches.length === 0) break;
      const last = readBatchHeader(batches.at(-1)!, 0);
      offset = last.baseOffset + last.lastOffsetDelta + 1;
      if (offset >= highWatermark) break;
    }
  }
  return out;
}

async function allValues(topic: string): Promise<string[]> {
  const out: string[] = [];
  for (let p = 0; p < broker.engine.partitionCount(topic); p++) out.push(...(await broker.engine.readRecords(topic, p, 0, 1 << 26)).records.map((r) => r.value!.toString()));
  return out.sort();
}

function sluice(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/sluice.js'), ...args], { cwd: repoRoot });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end();
  });
}

const expected = CODECS.flatMap((c) => Array.from({ length: PER_CODEC }, (_, i) => `${c}-${i}`)).sort();

describe('compressed batches', () => {
  it('are stored as kcat sent them (gzip, snappy, lz4, zstd) and read by kcat, the log, the KafkaClient and the CLI', async () => {
    await broker.engine.createTopic('cmp', { partitions: 2 });
    for (const codec of CODECS) {
      const lines = Array.from({ length: PER_CODEC }, (_, i) => `k${i}:${codec}-${i}`).join('\n') + '\n';
      const res = await run('kcat', ['-b', broker.address, '-t', 'cmp', '-P', '-K:', '-z', codec, '-X', 'enable.idempotence=true'], lines);
      expect(res.code, res.stderr).toBe(0);
    }
    expect(await storedCodecs('cmp')).toEqual(new Set([1, 2, 3, 4]));
    expect(await allValues('cmp')).toEqual(expected);

    const back = await run('kcat', ['-b', broker.address, '-t', 'cmp', '-C', '-e', '-q', '-f', '%s\\n']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.trim().split('\n').sort()).toEqual(expected);

    const cli = await sluice(['consume', 'cmp', '--from-beginning', '--max-messages', String(expected.length), '--timeout-ms', '10000', '--brokers', broker.address]);
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out.trim().split('\n').sort()).toEqual(expected);
  });

  it('feed an App (worker and DSL) like any other batch', async () => {
    const client = embedded(broker.engine);
    const a = app({ id: 'cmp-app', log: client, logger: silentLogger });
    a.addPipeline({
      name: 'upper',
      inputs: ['cmp'],
      outputs: ['cmp-upper'],
      build: (ctx) => (src) => src.pipe(map((r) => ctx.send('cmp-upper', [{ key: r.key, value: r.value!.toString().toUpperCase() }]))),
    });
    await a.start();
    try {
      const end = Date.now() + 30_000;
      while ((await allValues('cmp-upper').catch(() => [])).length < expected.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(await allValues('cmp-upper')).toEqual(expected.map((v) => v.toUpperCase()).sort());
    } finally {
      await a.stop();
    }
  });

  it("come from Sluice's own producers as the topic's compression.type says", async () => {
    await broker.engine.createTopic('cmp-own-zstd', { partitions: 1, config: { 'compression.type': 'zstd', 'compression.zstd.level': 5 } });
    await embedded(broker.engine).producer().send('cmp-own-zstd', Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `z${i}` })));
    expect(await storedCodecs('cmp-own-zstd')).toEqual(new Set([4]));
    expect(await allValues('cmp-own-zstd')).toHaveLength(100);

    // Through the broker: the KafkaClient reads the topic's config and compresses with kafkajs.
    const client = kafka({ brokers: [broker.address] });
    try {
      for (const codec of ['snappy', 'lz4'] as const) {
        const topic = `cmp-own-${codec}`;
        await client.admin().createTopic(topic, { partitions: 1, config: { 'compression.type': codec } });
        await client.producer().send(topic, Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `${codec}${i}` })));
        expect(await storedCodecs(topic)).toEqual(new Set([codec === 'snappy' ? 2 : 3]));
        expect(await allValues(topic)).toHaveLength(100);
      }
    } finally {
      await client.close();
    }
  });
});

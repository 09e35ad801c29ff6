/**
 * The CLI in --brokers mode says what is wrong in one line and exits non-zero: an unreachable
 * cluster (after a bounded retry, not kafkajs's half minute of JSON error lines and an uncaught
 * error), an illegal topic name, a config the cluster refuses, a missing topic. Nothing of
 * kafkajs's own logging shows: not even its ERROR for creating a topic that already exists, which
 * every start of an app on existing topics printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sluiceSpawn, type CliResult } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { tempDir } from '../support/tmp.js';
import { testBroker } from '../broker/support.js';

const broker = await testBroker({ autoCreateTopics: false });
const dir = tempDir('brokers-errors');

const sluice = (args: string[], brokers = broker.address) => sluiceSpawn([...args, '--brokers', brokers], { cwd: dir, timeoutMs: 30_000 }).exited;

/** Exited by itself with 1, and stderr is the one line `sluice COMMAND [SUBCOMMAND]: …message…`. */
function expectOneLineError(r: CliResult, command: string, message: RegExp): void {
  expect(r.signal, r.err).toBeNull();
  expect(r.code, r.err).toBe(1);
  expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
  expect(r.err).toMatch(new RegExp(`^sluice ${command}( [a-z-]+)?: .*${message.source}`));
}

describe('sluice --brokers errors', () => {
  it('an unreachable cluster: one line naming it, after a bounded retry', async () => {
    const port = await freePort();
    const [list, consume] = await Promise.all([sluice(['topics', 'list'], `127.0.0.1:${port}`), sluice(['consume', 't', '--timeout-ms', '100'], `127.0.0.1:${port}`)]);
    expectOneLineError(list, 'topics', new RegExp(`cannot reach the Kafka cluster at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED`));
    expectOneLineError(consume, 'consume', /cannot reach the Kafka cluster/);
  });

  it('an unreachable cluster in a connect file: the app stops and says so', async () => {
    const port = await freePort();
    fs.mkdirSync(path.join(dir, 'in'), { recursive: true });
    const file = path.join(dir, 'unreachable.yaml');
    fs.writeFileSync(file, [`app: unreachable`, `brokers: ["127.0.0.1:${port}"]`, 'sinks:', '  - connector: file', '    topics: [t]', '    config: { dir: ./out }'].join('\n'));
    const r = await sluiceSpawn(['connect', file], { cwd: dir, timeoutMs: 30_000 }).exited;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^sluice connect: cannot reach the Kafka cluster at 127\.0\.0\.1:\d+ /m);
    expect(r.err).not.toMatch(/kafkajs|KafkaJS/);
  });

  it('an illegal topic name, a config the cluster refuses, a missing topic: one line each', async () => {
    const [badName, badConfig, missingDescribe, missingDelete, missingConsume] = await Promise.all([
      sluice(['topics', 'create', 'bad!name', '--partitions', '1']),
      sluice(['topics', 'create', 'cfg', '--partitions', '1', '--config', 'retention.ms=abc']),
      sluice(['topics', 'describe', 'nosuch']),
      sluice(['topics', 'delete', 'nosuch']),
      sluice(['consume', 'nosuch', '--timeout-ms', '100']),
    ]);
    expectOneLineError(badName, 'topics', /topic name "bad!name" is illegal/);
    expectOneLineError(badConfig, 'topics', /topic "cfg": the cluster refused its settings/);
    expectOneLineError(missingDescribe, 'topics', /topic "nosuch" does not exist/);
    expectOneLineError(missingDelete, 'topics', /topic "nosuch" does not exist/);
    expectOneLineError(missingConsume, 'consume', /"nosuch" does not exist/);
  });

  it('creating topics that exist logs nothing: a second create, and every start of an app on them', async () => {
    expect((await sluice(['topics', 'create', 'exists', '--partitions', '2'])).code).toBe(0);
    const again = await sluice(['topics', 'create', 'exists', '--partitions', '2']);
    expect(again.code).toBe(1);
    expect(again.err).toBe('topic "exists" already exists\n');
    fs.mkdirSync(path.join(dir, 'in2'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'in2', 'a.jsonl'), '{"n":1}\n');
    const file = path.join(dir, 'existing.yaml');
    fs.writeFileSync(
      file,
      ['app: existing', `brokers: ["${broker.address}"]`, 'sources:', '  - connector: file', '    topic: exists', '    config: { path: "./in2/*.jsonl", format: jsonl }', 'sinks:', '  - connector: file', '    topics: [exists]', '    config: { dir: ./out2 }'].join('\n'),
    );
    for (let run = 0; run < 2; run++) {
      const r = await sluiceSpawn(['connect', file, '--exit-when-idle', '500'], { cwd: dir, timeoutMs: 60_000 }).exited;
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
    }
  });
});

/**
 * A secured `sluice broker`: a TLS listener (a throwaway certificate made here with openssl) with
 * SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, one user given by password and one by stored
 * (salted, hashed) credentials. Every client runs the scenario (./scenario.ts) over SASL_SSL:
 * kafkajs, kcat, kafka-python, confluent-kafka, @platformatic/kafka, and Sluice's own CLI
 * (--sasl-*, --tls-*) and connect files (security:). Wrong passwords and plaintext are refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { formatCredential, scramCredential } from '../../core/broker/scram.js';
import { coordinatorFor } from '../../core/groups/coordinator.js';
import { repoRoot, tempDir } from '../support/tmp.js';
import { checkScenario, kcatScenario, platformaticScenario, pythonScenario } from './scenario.js';
import { run, testBroker } from './support.js';

const dir = tempDir('security');
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);

const bobStored = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map((m) => formatCredential(scramCredential(m as 'SCRAM-SHA-256', 'bob-secret'))).join(';');
const broker = await testBroker({ users: { alice: 'alice-secret', bob: bobStored }, tls: { cert, key }, autoCreateTopics: false });
const N = 100;

describe('TLS with SASL PLAIN and SCRAM', () => {
  it('kafkajs with SCRAM-SHA-256 over TLS', async () => {
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, ssl: { ca: [fs.readFileSync(cert, 'utf8')] }, sasl: { mechanism: 'scram-sha-256', username: 'bob', password: 'bob-secret' } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sec-js', numPartitions: 3 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'sec-js', acks: -1, messages: Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 3 })) });
    await producer.disconnect();
    const consume = async (limit: number) => {
      const c = kafka.consumer({ groupId: 'sec-js-g', maxWaitTimeInMs: 100, heartbeatInterval: 300 });
      await c.connect();
      await c.subscribe({ topic: 'sec-js', fromBeginning: true });
      const got: Array<[number, number, string]> = [];
      await new Promise<void>((resolve) => {
        void c.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (got.length >= limit) return;
            got.push([partition, Number(message.offset), message.value!.toString()]);
            await c.commitOffsets([{ topic: 'sec-js', partition, offset: String(Number(message.offset) + 1) }]);
            if (got.length >= limit) resolve();
          },
        });
      });
      await c.disconnect();
      return got;
    };
    const first = await consume(N / 2);
    const committed = Object.fromEntries((await admin.fetchOffsets({ groupId: 'sec-js-g', topics: ['sec-js'] }))[0]!.partitions.map((p) => [String(p.partition), Number(p.offset)]));
    const resumed = await consume(N / 2);
    checkScenario({ first, resumed, committed }, N);
    await admin.deleteTopics({ topics: ['sec-js'] });
    await admin.disconnect();
  });

  it('kcat with SCRAM-SHA-512 over TLS, and refuses a wrong password or plaintext', async () => {
    const sec = ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${cert}`, '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret'];
    await broker.engine.createTopic('sec-kc', { partitions: 3 });
    checkScenario(await kcatScenario(broker.address, 'sec-kc', 'sec-kc-g', N, sec), N);
    const wrong = await run('kcat', ['-b', broker.address, ...sec.slice(0, -1), 'sasl.password=nope', '-L', '-m', '5'], undefined, 30_000);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed|SASL authentication error/i);
    const plain = await run('kcat', ['-b', broker.address, '-L', '-m', '3'], undefined, 30_000);
    expect(plain.code).not.toBe(0);
  });

  for (const [lib, mechanism, user] of [
    ['kafka-python', 'SCRAM-SHA-256', 'alice'],
    ['confluent', 'SCRAM-SHA-512', 'bob'],
    ['kafka-python', 'PLAIN', 'bob'],
  ] as const) {
    it(`${lib} with ${mechanism} over TLS`, async () => {
      const security = { protocol: 'SASL_SSL', mechanism, username: user, password: `${user}-secret`, cafile: cert };
      const topic = `sec-${lib}-${mechanism}`.toLowerCase();
      checkScenario(await pythonScenario(broker.address, lib, topic, `${topic}-g`, { security }), 200);
    });
  }

  it('@platformatic/kafka with SCRAM-SHA-512 over TLS', async () => {
    const extra = { tls: { ca: fs.readFileSync(cert, 'utf8') }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'bob-secret' } };
    checkScenario(await platformaticScenario(broker.address, 'sec-plat', 'sec-plat-g', N, extra), N);
  });

  it("Sluice's CLI (--sasl-*, --tls-*) and a connect file (security:)", async () => {
    const bin = path.join(repoRoot, 'bin/sluice.js');
    const secFlags = ['--brokers', broker.address, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', 'alice', '--tls-ca', cert];
    const sluice = (args: string[], input = '') =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, SLUICE_SASL_PASSWORD: 'alice-secret', SLUICE_LOG_LEVEL: 'warn' } });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => resolve({ code, out, err }));
        child.stdin.end(input);
      });
    expect((await sluice(['topics', 'create', 'sec-cli', '--partitions', '2', ...secFlags])).code).toBe(0);
    const produced = await sluice(['produce', 'sec-cli', '--key-separator', ':', ...secFlags], Array.from({ length: 20 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n');
    expect(produced.code, produced.err).toBe(0);
    const consumed = await sluice(['consume', 'sec-cli', '--from-beginning', '--group', 'sec-cli-g', '--max-messages', '20', '--timeout-ms', '10000', ...secFlags]);
    expect(consumed.code, consumed.err).toBe(0);
    expect(consumed.out.trim().split('\n').sort()).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`).sort());
    const committed = await (await coordinatorFor(broker.engine)).fetchOffsets({ groupId: 'sec-cli-g' });
    expect(committed.reduce((s, c) => s + c.offset, 0)).toBe(20);
    // Without credentials the CLI is refused.
    const refused = await sluice(['topics', 'list', '--brokers', broker.address, '--tls-ca', cert]);
    expect(refused.code).not.toBe(0);

    // A connect file: a file source into a topic of the secured broker.
    fs.writeFileSync(path.join(dir, 'in.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ i })).join('\n') + '\n');
    await broker.engine.createTopic('sec-connect', { partitions: 1 });
    const file = path.join(dir, 'connect.yaml');
    fs.writeFileSync(
      file,
      [
        'app: sec-connect',
        `brokers: ["${broker.address}"]`,
        'security:',
        '  sasl: { mechanism: scram-sha-512, username: bob, password: "${env:SEC_PASSWORD}" }',
        '  tls: { ca: ./cert.pem }',
        'sources:',
        '  - connector: file',
        '    topic: sec-connect',
        '    config: { path: "./in.jsonl", format: jsonl }',
      ].join('\n') + '\n',
    );
    const connect = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'connect', file, '--exit-when-idle', '1500'], { cwd: repoRoot, env: { ...process.env, SEC_PASSWORD: 'bob-secret', SLUICE_LOG_LEVEL: 'warn' } });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code, err }));
    });
    expect(connect.code, connect.err).toBe(0);
    expect((await broker.engine.readRecords('sec-connect', 0, 0, 1 << 20)).records).toHaveLength(30);
  });
});

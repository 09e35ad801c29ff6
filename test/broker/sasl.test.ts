/** SASL/PLAIN: the right password works with kafkajs and kcat; a wrong one gets an authentication error. */
import { Kafka, logLevel } from 'kafkajs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { frame } from './frames.js';
import { scramClient } from './scram-client.js';
import { run, testBroker } from './support.js';

const broker = await testBroker({ users: { alice: 'alice-secret' } });
await broker.engine.createTopic('secured', { partitions: 1 });
const kcatSasl = (user: string, password: string) => ['-b', broker.address, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];

describe('SASL/PLAIN', () => {
  it('lets kafkajs in with the right password and refuses a wrong one', async () => {
    const good = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } });
    const producer = good.producer();
    await producer.connect();
    await producer.send({ topic: 'secured', acks: -1, messages: [{ value: 'hello' }] });
    await producer.disconnect();
    expect((await broker.engine.readRecords('secured', 0, 0, 1 << 20)).records.map((r) => r.value!.toString())).toContain('hello');

    const bad = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'plain', username: 'alice', password: 'wrong' } });
    const admin = bad.admin();
    await expect(admin.connect()).rejects.toThrow(/SASL PLAIN authentication failed|Authentication failed/);
  });

  it('lets kcat in with the right password and refuses a wrong one', async () => {
    const ok = await run('kcat', [...kcatSasl('alice', 'alice-secret'), '-t', 'secured', '-P'], 'from-kcat\n');
    expect(ok.code, ok.stderr).toBe(0);
    const read = await run('kcat', [...kcatSasl('alice', 'alice-secret'), '-t', 'secured', '-C', '-e', '-q']);
    expect(read.stdout).toContain('from-kcat');

    const denied = await run('kcat', [...kcatSasl('alice', 'nope'), '-L', '-m', '5'], undefined, 30_000);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Authentication failed|SASL authentication error/i);
  });

  it('closes a connection that sends anything but ApiVersions/SASL before authenticating', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(broker.port, '127.0.0.1');
      const t = setTimeout(() => resolve(false), 2000);
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(t);
        resolve(true);
      });
      s.on('connect', () => s.write(frame(3, 1, 1, (w) => w.int32(-1))));
    });
    expect(closed).toBe(true);
  });

  it('runs SCRAM-SHA-256 over raw tokens after SaslHandshake v0, and the connection then works', async () => {
    const s = net.connect(broker.port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    let buf = Buffer.alloc(0);
    const waiting: Array<(f: Buffer) => void> = [];
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const f = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + f.length);
        waiting.shift()!(f);
      }
    });
    const next = () => new Promise<Buffer>((r) => waiting.push(r));
    const raw = (token: Buffer) => {
      const head = Buffer.alloc(4);
      head.writeInt32BE(token.length, 0);
      s.write(Buffer.concat([head, token]));
      return next();
    };
    try {
      s.write(frame(17, 0, 1, (w) => w.string('SCRAM-SHA-256')));
      const hs = await next();
      expect(hs.readInt16BE(4)).toBe(0);
      const c = scramClient('SCRAM-SHA-256', 'alice', 'alice-secret', 'raw-nonce');
      const serverFirst = (await raw(c.first)).toString();
      const f = c.final(serverFirst);
      expect((await raw(f.message)).toString()).toBe(f.expected);
      // Authenticated: a Metadata request is answered.
      s.write(frame(3, 1, 2, (w) => w.int32(-1)));
      expect((await next()).readInt32BE(0)).toBe(2);
    } finally {
      s.destroy();
    }
  });
});


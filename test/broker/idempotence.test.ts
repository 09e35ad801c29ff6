/**
 * The idempotent producer: InitProducerId, the partition's sequence checks (a retried batch gets
 * DUPLICATE_SEQUENCE_NUMBER and appends nothing, a gap OUT_OF_ORDER_SEQUENCE_NUMBER, an older
 * epoch INVALID_PRODUCER_EPOCH), producer state rebuilt from the log after a restart, a retry after
 * a lost response adding no duplicate; and real idempotent producers (kcat, kafkajs,
 * @platformatic/kafka; confluent-kafka in python.test.ts) in their default configurations.
 */
import net from 'node:net';
import path from 'node:path';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../core/broker/index.js';
import { crc32c } from '../../core/log/crc32c.js';
import { encodeRecordBatch } from '../../core/log/record-batch.js';
import { tempDir } from '../support/tmp.js';
import { requestFrame } from './frames.js';
import { RawClient } from './raw-client.js';
import { run, testBroker } from './support.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const broker = await testBroker({ autoCreateTopics: false });
const restartDir = tempDir('idem-restart');

/** One batch of `count` records from an idempotent producer. */
function batch(producerId: number, epoch: number, firstSeq: number, count: number, tag: string): Buffer {
  const b = encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ key: `k${firstSeq + i}`, value: `${tag}-${firstSeq + i}` })), { now: Date.now() });
  b.writeBigInt64BE(BigInt(producerId), 43);
  b.writeInt16BE(epoch, 51);
  b.writeInt32BE(firstSeq, 53);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

const produceRequest = (topic: string, records: Buffer) => ({ transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });

async function produce(c: RawClient, topic: string, records: Buffer, version = 9): Promise<{ errorCode: number; baseOffset: number }> {
  const res = await c.request(0, version, produceRequest(topic, records));
  return res.responses[0].partitionResponses[0];
}

const values = async (topic: string) => (await broker.engine.readRecords(topic, 0, 0, 1 << 24)).records.map((r) => r.value!.toString());

describe('idempotent producer', () => {
  it('hands out producer ids, refuses duplicates without appending, and refuses gaps and fenced epochs', async () => {
    await broker.engine.createTopic('idem', { partitions: 1 });
    const c = await RawClient.connect(broker.port);
    try {
      const init = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
      expect(init.errorCode).toBe(0);
      const pid = init.producerId as number;
      expect(init.producerEpoch).toBe(0);
      const other = await c.request(22, 1, { transactionalId: null, transactionTimeoutMs: 60000 });
      expect(other.producerId).not.toBe(pid);

      expect(await produce(c, 'idem', batch(pid, 0, 0, 3, 'a'))).toMatchObject({ errorCode: 0, baseOffset: 0 });
      expect(await produce(c, 'idem', batch(pid, 0, 3, 2, 'a'))).toMatchObject({ errorCode: 0, baseOffset: 3 });
      // The first batch again (a retry): DUPLICATE_SEQUENCE_NUMBER with where it is, nothing appended.
      expect(await produce(c, 'idem', batch(pid, 0, 0, 3, 'a'))).toMatchObject({ errorCode: 46, baseOffset: 0 });
      expect(await values('idem')).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
      // A gap.
      expect((await produce(c, 'idem', batch(pid, 0, 9, 1, 'a'))).errorCode).toBe(45);
      // KIP-360: the same id with the next epoch; the old epoch is fenced, the new one starts at 0.
      const bumped = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: pid, producerEpoch: 0 });
      expect(bumped).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: 1 });
      expect((await produce(c, 'idem', batch(pid, 1, 5, 1, 'b'))).errorCode).toBe(45);
      expect((await produce(c, 'idem', batch(pid, 1, 0, 1, 'b'))).errorCode).toBe(0);
      expect((await produce(c, 'idem', batch(pid, 0, 5, 1, 'a'))).errorCode).toBe(47);
      expect(await values('idem')).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'b-0']);
      // Transactions are not served.
      expect((await c.request(22, 4, { transactionalId: 'tx', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 })).errorCode).toBe(53);
    } finally {
      c.close();
    }
  });

  it('adds no duplicate when a produce is retried after its response was lost', async () => {
    await broker.engine.createTopic('idem-lost', { partitions: 1 });
    const c = await RawClient.connect(broker.port);
    const { producerId } = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
    c.close();
    // The request goes out and the connection dies before the answer is read.
    const first = batch(producerId, 0, 0, 10, 'x');
    await new Promise<void>((resolve) => {
      const s = net.connect(broker.port, '127.0.0.1', () => {
        s.write(requestFrame(0, 9, 1, produceRequest('idem-lost', Buffer.from(first))).buf, () => setTimeout(() => (s.destroy(), resolve()), 100));
      });
      s.on('error', () => {});
    });
    // The producer retries the same batch on a new connection.
    const again = await RawClient.connect(broker.port);
    expect(await produce(again, 'idem-lost', first)).toMatchObject({ errorCode: 46, baseOffset: 0 });
    expect(await produce(again, 'idem-lost', batch(producerId, 0, 10, 1, 'x'))).toMatchObject({ errorCode: 0, baseOffset: 10 });
    again.close();
    expect(await values('idem-lost')).toHaveLength(11);
  });

  it('rebuilds producer state from the log after a restart', async () => {
    const dataDir = path.join(restartDir, 'data');
    let b = await startBroker({ port: 0, dataDir });
    let pid: number;
    try {
      await b.engine.createTopic('idem-r', { partitions: 1 });
      const c = await RawClient.connect(b.port);
      pid = (await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 })).producerId;
      for (let s = 0; s < 40; s += 5) expect((await produce(c, 'idem-r', batch(pid, 0, s, 5, 'r'))).errorCode).toBe(0);
      c.close();
    } finally {
      await b.close();
    }
    b = await startBroker({ port: 0, dataDir });
    try {
      const c = await RawClient.connect(b.port);
      // The last batch, retried after the restart, is known; the next sequence follows; a gap is caught.
      expect(await produce(c, 'idem-r', batch(pid, 0, 35, 5, 'r'))).toMatchObject({ errorCode: 46, baseOffset: 35 });
      expect((await produce(c, 'idem-r', batch(pid, 0, 41, 1, 'r'))).errorCode).toBe(45);
      expect((await produce(c, 'idem-r', batch(pid, 0, 40, 1, 'r'))).errorCode).toBe(0);
      // Producer ids are not handed out twice.
      expect((await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 })).producerId).toBeGreaterThan(pid);
      c.close();
      expect((await b.engine.readRecords('idem-r', 0, 0, 1 << 24)).records).toHaveLength(41);
    } finally {
      await b.close();
    }
  });
});

describe('idempotent producers of real clients', () => {
  const n = 2000;
  const expectAll = async (topic: string, partitions: number, prefix: string) => {
    let all: string[] = [];
    for (let p = 0; p < partitions; p++) all = all.concat((await broker.engine.readRecords(topic, p, 0, 1 << 26)).records.map((r) => r.value!.toString()));
    expect(all.length).toBe(n);
    expect(new Set(all)).toEqual(new Set(Array.from({ length: n }, (_, i) => `${prefix}${i}`)));
  };
  const usedInitProducerId = (before: number) => (broker.stats().byKey[22] ?? 0) > before;

  it('kcat with enable.idempotence=true', async () => {
    await broker.engine.createTopic('idem-kcat', { partitions: 3 });
    const before = broker.stats().byKey[22] ?? 0;
    const lines = Array.from({ length: n }, (_, i) => `k${i}:kc${i}`).join('\n') + '\n';
    const res = await run('kcat', ['-b', broker.address, '-t', 'idem-kcat', '-P', '-K:', '-X', 'enable.idempotence=true'], lines);
    expect(res.code, res.stderr).toBe(0);
    expect(usedInitProducerId(before)).toBe(true);
    await expectAll('idem-kcat', 3, 'kc');
  });

  it('kafkajs with idempotent: true', async () => {
    await broker.engine.createTopic('idem-js', { partitions: 3 });
    const before = broker.stats().byKey[22] ?? 0;
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < n; i += 500) await producer.send({ topic: 'idem-js', messages: Array.from({ length: 500 }, (_, j) => ({ key: `k${i + j}`, value: `js${i + j}` })) });
    await producer.disconnect();
    expect(usedInitProducerId(before)).toBe(true);
    await expectAll('idem-js', 3, 'js');
  });

  it('@platformatic/kafka with idempotent: true', async () => {
    await broker.engine.createTopic('idem-plat', { partitions: 3 });
    const before = broker.stats().byKey[22] ?? 0;
    const producer = new Producer({ clientId: 'plat-idem', bootstrapBrokers: [broker.address], serializers: stringSerializers, idempotent: true });
    try {
      for (let i = 0; i < n; i += 500) await producer.send({ messages: Array.from({ length: 500 }, (_, j) => ({ topic: 'idem-plat', key: `k${i + j}`, value: `pl${i + j}` })) });
    } finally {
      await producer.close();
    }
    expect(usedInitProducerId(before)).toBe(true);
    await expectAll('idem-plat', 3, 'pl');
  });
});



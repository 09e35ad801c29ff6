/**
 * B1 — broker produce: 1 000 000 records of 100 bytes into one partition of `sluice broker` on
 * 127.0.0.1 with acks=-1, from kafkajs in batches of 1 000, and from `kcat -P` reading a file of
 * 1 000 000 lines. The broker runs in its own process (flush: always, the default) so the CPU each
 * side spends is reported apart. `kcat -z lz4` repeats the kcat run with lz4 batches and reports
 * kcat's own CPU beside the broker's (the broker stores compressed batches as sent: it must spend
 * less than the client that compresses them).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { median, randomValues, report, userKeys } from './lib.js';
import { kcat, startBrokerProcess } from './broker-process.js';

const { Kafka, logLevel } = kafkajs;
const N = 1_000_000;
const keys = userKeys(N);
const values = randomValues(N);

async function kafkajsRun(): Promise<{ seconds: number; clientCpu: number; brokerCpu: number }> {
  const broker = await startBrokerProcess();
  const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'b1', numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  const cpu0 = process.cpuUsage();
  const b0 = broker.cpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const messages = [];
    for (let j = i; j < i + 1000; j++) messages.push({ key: keys[j], value: values[j] });
    await producer.send({ topic: 'b1', acks: -1, messages });
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const brokerCpu = broker.cpuSeconds() - b0;
  await producer.disconnect();
  await admin.disconnect();
  await broker.stop();
  return { seconds, clientCpu: (c.user + c.system) / 1e6, brokerCpu };
}

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-b1-')), 'lines.txt');
{
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < N; i += 10_000) {
    let chunk = '';
    for (let j = i; j < i + 10_000; j++) chunk += `${keys[j]}:${values[j]!.toString('hex').slice(0, 100)}\n`;
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

async function kcatRun(): Promise<{ seconds: number; brokerCpu: number }> {
  const broker = await startBrokerProcess();
  await kcat(['-b', broker.address, '-L', '-t', 'b1']).catch(() => 0);
  const b0 = broker.cpuSeconds();
  const t0 = performance.now();
  await kcat(['-b', broker.address, '-t', 'b1', '-P', '-K:', '-X', 'acks=all', '-X', 'topic.partitioner=murmur2_random', '-X', 'linger.ms=5', '-l', file]);
  const seconds = (performance.now() - t0) / 1000;
  const brokerCpu = broker.cpuSeconds() - b0;
  await broker.stop();
  return { seconds, brokerCpu };
}

/** kcat -z lz4, its own CPU read from bash's `times` (the CPU of the shell's finished children). */
async function kcatLz4Run(): Promise<{ seconds: number; brokerCpu: number; kcatCpu: number }> {
  const broker = await startBrokerProcess();
  await kcat(['-b', broker.address, '-L', '-t', 'b1']).catch(() => 0);
  const b0 = broker.cpuSeconds();
  const t0 = performance.now();
  const args = ['-b', broker.address, '-t', 'b1', '-P', '-K:', '-z', 'lz4', '-X', 'acks=all', '-X', 'topic.partitioner=murmur2_random', '-X', 'linger.ms=5', '-l', file];
  const out = execFileSync('bash', ['-c', 'kcat "$@" && times', 'kcat', ...args], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  const brokerCpu = broker.cpuSeconds() - b0;
  await broker.stop();
  // `times` prints the shell's user/system time, then its children's: "0m1.234s 0m0.567s".
  const children = out.trim().split('\n').at(-1)!.split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  });
  return { seconds, brokerCpu, kcatCpu: children.reduce((a, b) => a + b, 0) };
}

await kafkajsRun(); // warm-up
const kj = [await kafkajsRun(), await kafkajsRun(), await kafkajsRun()];
const kjMid = kj.find((r) => r.seconds === median(kj.map((x) => x.seconds)))!;
report('B1', 'kafkajs-produce', Math.round(N / kjMid.seconds), 'records/s');
report('B1', 'kafkajs-client-cpu', kjMid.clientCpu, 's');
report('B1', 'kafkajs-broker-cpu', kjMid.brokerCpu, 's');
await kcatRun();
const kc = [await kcatRun(), await kcatRun(), await kcatRun()];
const kcMid = kc.find((r) => r.seconds === median(kc.map((x) => x.seconds)))!;
report('B1', 'kcat-produce', Math.round(N / kcMid.seconds), 'records/s');
report('B1', 'kcat-broker-cpu', kcMid.brokerCpu, 's');
await kcatLz4Run();
const lz = [await kcatLz4Run(), await kcatLz4Run(), await kcatLz4Run()];
const lzMid = lz.find((r) => r.seconds === median(lz.map((x) => x.seconds)))!;
report('B1', 'kcat-lz4-produce', Math.round(N / lzMid.seconds), 'records/s');
report('B1', 'kcat-lz4-broker-cpu', lzMid.brokerCpu, 's');
report('B1', 'kcat-lz4-kcat-cpu', lzMid.kcatCpu, 's');
fs.rmSync(path.dirname(file), { recursive: true, force: true });

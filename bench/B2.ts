/**
 * B2 — broker consume: 1 000 000 records of 100 bytes in one partition of `sluice broker` (written
 * by kcat as in B1), read from the start by a kafkajs consumer in a group (eachBatch), and by
 * `kcat -C -e`. The broker runs in its own process; its CPU is reported next to the client's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { median, randomValues, report, userKeys } from './lib.js';
import { kcat, startBrokerProcess } from './broker-process.js';

const { Kafka, logLevel } = kafkajs;
const N = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-b2-'));
const file = path.join(dir, 'lines.txt');
{
  const keys = userKeys(N);
  const values = randomValues(N);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < N; i += 10_000) {
    let chunk = '';
    for (let j = i; j < i + 10_000; j++) chunk += `${keys[j]}:${values[j]!.toString('hex').slice(0, 100)}\n`;
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

const broker = await startBrokerProcess();
await kcat(['-b', broker.address, '-t', 'b2', '-P', '-K:', '-l', file]);

let group = 0;
async function kafkajsRun(): Promise<{ seconds: number; clientCpu: number; brokerCpu: number }> {
  const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `b2-${group++}`, maxBytesPerPartition: 4 << 20, maxBytes: 16 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'b2', fromBeginning: true });
  let seen = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let b0 = broker.cpuSeconds();
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (seen === 0) {
          t0 = performance.now();
          cpu0 = process.cpuUsage();
          b0 = broker.cpuSeconds();
        }
        seen += batch.messages.length;
        if (seen >= N) resolve();
      },
    });
  });
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const brokerCpu = broker.cpuSeconds() - b0;
  await consumer.disconnect();
  return { seconds, clientCpu: (c.user + c.system) / 1e6, brokerCpu };
}

// fetch.wait.max.ms: with -e, kcat ends at the end of the partition, which it learns from a fetch
// that finds nothing new; the default 500 ms long poll would be timed as part of the read.
const kcatConsume = ['-b', broker.address, '-t', 'b2', '-C', '-e', '-q', '-o', 'beginning', '-X', 'fetch.wait.max.ms=10'];
async function kcatRun(): Promise<{ seconds: number; brokerCpu: number }> {
  const b0 = broker.cpuSeconds();
  const t0 = performance.now();
  await kcat(kcatConsume, undefined, true);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, brokerCpu: broker.cpuSeconds() - b0 };
}

await kafkajsRun();
const kj = [await kafkajsRun(), await kafkajsRun(), await kafkajsRun()];
const kjMid = kj.find((r) => r.seconds === median(kj.map((x) => x.seconds)))!;
report('B2', 'kafkajs-consume', Math.round(N / kjMid.seconds), 'records/s');
report('B2', 'kafkajs-client-cpu', kjMid.clientCpu, 's');
report('B2', 'kafkajs-broker-cpu', kjMid.brokerCpu, 's');
const lines = await kcat(kcatConsume); // warm-up, and the check that every record comes back
if (lines !== N) throw new Error(`kcat read ${lines} records, expected ${N}`);
const kc = [await kcatRun(), await kcatRun(), await kcatRun()];
const kcMid = kc.find((r) => r.seconds === median(kc.map((x) => x.seconds)))!;
report('B2', 'kcat-consume', Math.round(N / kcMid.seconds), 'records/s');
report('B2', 'kcat-broker-cpu', kcMid.brokerCpu, 's');
await broker.stop();
fs.rmSync(dir, { recursive: true, force: true });

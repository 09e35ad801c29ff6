/**
 * The client scenario every real client runs against the broker (test/fixtures/python/scenario.py
 * and its JS counterparts): produce N keyed records over 3 partitions, consume half in a group and
 * commit, resume in the same group from the commit. `checkScenario` asserts what a user would
 * check: nothing lost, nothing twice, and the second consumer starts exactly at the commits.
 */
import path from 'node:path';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { expect } from 'vitest';
import { repoRoot } from '../support/tmp.js';
import { PYTHON, run } from './support.js';

export interface ScenarioRecords {
  /** [partition, offset, value] */
  first: Array<[number, number, string]>;
  resumed: Array<[number, number, string]>;
  /** Committed offset per partition after the first consumer (null / -1: nothing committed there). */
  committed: Record<string, number | null>;
}

export function checkScenario(r: ScenarioRecords, n: number): void {
  expect(r.first.length, 'first consumer').toBe(n / 2);
  const all = [...r.first, ...r.resumed].map((x) => x[2]);
  expect(new Set(all).size, 'distinct values over both consumers').toBe(n);
  expect(all.length, 'no record twice').toBe(n);
  // The first consumer committed exactly past what it read, per partition.
  for (let p = 0; p < 3; p++) {
    const read = r.first.filter((x) => x[0] === p);
    const expected = read.length ? Math.max(...read.map((x) => x[1])) + 1 : null;
    const committed = r.committed[String(p)];
    if (expected === null) expect(committed === null || committed === undefined || committed < 0 || committed === 0).toBe(true);
    else expect(committed, `committed offset of partition ${p}`).toBe(expected);
    // The second consumer starts at the commit.
    const resumed = r.resumed.filter((x) => x[0] === p);
    if (resumed.length) expect(Math.min(...resumed.map((x) => x[1])), `first offset resumed on partition ${p}`).toBe(expected ?? 0);
  }
}

/** The scenario with kcat; `extra` are librdkafka options (-X ...) or flags for every kcat run. */
export async function kcatScenario(address: string, topic: string, group: string, n: number, extra: string[] = [], produceExtra: string[] = []): Promise<ScenarioRecords> {
  const b = ['-b', address, ...extra];
  const lines = Array.from({ length: n }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
  const produced = await run('kcat', [...b, '-t', topic, '-P', '-K:', '-X', 'acks=all', '-X', 'topic.partitioner=murmur2_random', ...produceExtra], lines);
  if (produced.code !== 0) throw new Error(`kcat -P: ${produced.stderr}`);
  const consume = async (count: number | null) => {
    const args = [...b, '-G', group, '-q', '-X', 'auto.offset.reset=earliest', '-f', '%p %o %s\\n', ...(count === null ? ['-e'] : ['-c', String(count)]), topic];
    const res = await run('kcat', args, undefined, 60_000);
    if (res.code !== 0) throw new Error(`kcat -G: ${res.stderr}`);
    return res.stdout.trim().split('\n').filter(Boolean).map((l) => {
      const [p, o, v] = l.split(' ');
      return [Number(p), Number(o), v!] as [number, number, string];
    });
  };
  const first = await consume(n / 2);
  const committed: Record<string, number> = {};
  for (const [p, o] of first) committed[String(p)] = Math.max(committed[String(p)] ?? 0, o + 1);
  const resumed = await consume(null);
  return { first, resumed, committed };
}

/** Runs test/fixtures/python/scenario.py; returns its records for checkScenario. */
export async function pythonScenario(address: string, lib: string, topic: string, group: string, opts: object = {}): Promise<ScenarioRecords & { steps: Array<Record<string, unknown>> }> {
  const res = await run(PYTHON, [path.join(repoRoot, 'test/fixtures/python/scenario.py'), lib, address, topic, group, JSON.stringify(opts)], undefined, 120_000);
  if (res.code !== 0) throw new Error(`scenario.py ${lib} exited ${res.code}: ${res.stderr.slice(-2000)}`);
  const steps = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const step = (name: string) => steps.find((s) => s.step === name)!;
  return {
    steps,
    first: step('first').records as ScenarioRecords['first'],
    resumed: step('resumed').records as ScenarioRecords['resumed'],
    committed: step('first').committed as ScenarioRecords['committed'],
  };
}

/** The scenario of ./scenario.ts with this client; `extra` goes into every client's options (TLS, SASL). */
export async function platformaticScenario(address: string, topic: string, group: string, n: number, extra: Record<string, unknown> = {}, producerOptions: Record<string, unknown> = {}): Promise<ScenarioRecords> {
  const bootstrapBrokers = [address];
  const admin = new Admin({ clientId: 'plat-admin', bootstrapBrokers, ...extra });
  const producer = new Producer({ clientId: 'plat-producer', bootstrapBrokers, serializers: stringSerializers, ...extra, ...producerOptions });
  try {
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
    await admin.createPartitions({ topics: [{ name: topic, count: 3, assignments: [] }] });
    await producer.send({ messages: Array.from({ length: n }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}`, partition: i % 3 })) });

    const consume = async (limit: number) => {
      const consumer = new Consumer({ groupId: group, clientId: 'plat-consumer', bootstrapBrokers, deserializers: stringDeserializers, maxWaitTime: 100, ...extra });
      const stream = await consumer.consume({ autocommit: false, topics: [topic], mode: 'committed', fallbackMode: 'earliest', sessionTimeout: 10_000, heartbeatInterval: 500 });
      const got: Array<[number, number, string]> = [];
      for await (const m of stream) {
        got.push([m.partition, Number(m.offset), m.value]);
        await m.commit();
        if (got.length >= limit) break;
      }
      await stream.close();
      await consumer.close();
      return got;
    };
    const first = await consume(n / 2);
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
    const committed: Record<string, number> = {};
    for (const t of offsets!.topics) for (const p of t.partitions) committed[String(p.partitionIndex)] = Number(p.committedOffset);
    const resumed = await consume(n - first.length);
    return { first, resumed, committed };
  } finally {
    await producer.close();
    await admin.close();
  }
}


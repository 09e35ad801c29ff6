/**
 * kcat (librdkafka 2.0.2) against `sluice broker`: metadata, 100 000 keyed lines in and out,
 * partitioner, and the client scenario (./scenario.ts): produce, consume half in a group (kcat
 * commits on exit), a second kcat of the group resumes from the commits.
 */
import { describe, expect, it } from 'vitest';
import { defaultPartition } from '../../core/log/partitioner.js';
import { checkScenario, kcatScenario } from './scenario.js';
import { run, testBroker } from './support.js';

const broker = await testBroker({ defaultPartitions: 1 });
const b = ['-b', broker.address];

describe('kcat against sluice broker', () => {
  it('produces, consumes half in a group, and a second consumer resumes from the commits', async () => {
    await broker.engine.createTopic('kc-scn', { partitions: 3 });
    const r = await kcatScenario(broker.address, 'kc-scn', 'kc-scn-g', 200);
    checkScenario(r, 200);
    const { coordinatorFor } = await import('../../core/groups/coordinator.js');
    const committed = await (await coordinatorFor(broker.engine)).fetchOffsets({ groupId: 'kc-scn-g' });
    expect(committed.reduce((s, c) => s + c.offset, 0)).toBe(200);
  });

  it('lists metadata with -L', async () => {
    await broker.engine.createTopic('kc-meta', { partitions: 3 });
    const res = await run('kcat', [...b, '-L']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`broker 0 at ${broker.address} (controller)`);
    expect(res.stdout).toContain('topic "kc-meta" with 3 partitions');
  });

  it('produces 100 000 keyed lines with -P and reads them all back with -C -e', async () => {
    await broker.engine.createTopic('kc-lines', { partitions: 3 });
    const lines = Array.from({ length: 100_000 }, (_, i) => `key${i % 5000}:value-${i}`).join('\n') + '\n';
    const produced = await run('kcat', [...b, '-t', 'kc-lines', '-P', '-K:', '-X', 'acks=all'], lines);
    expect(produced.code, produced.stderr).toBe(0);
    let stored = 0;
    for (let p = 0; p < 3; p++) stored += (await broker.engine.readRecords('kc-lines', p, 0, 1 << 30)).records.length;
    expect(stored).toBe(100_000);

    const consumed = await run('kcat', [...b, '-t', 'kc-lines', '-C', '-e', '-q', '-f', '%k:%s\\n']);
    expect(consumed.code, consumed.stderr).toBe(0);
    const got = consumed.stdout.trim().split('\n');
    expect(got).toHaveLength(100_000);
    expect(new Set(got).size).toBe(100_000);
    // Per key, the values arrive in produce order (one key, one partition).
    const lastByKey = new Map<string, number>();
    for (const line of got) {
      const [key, value] = line.split(':') as [string, string];
      const i = Number(value.slice(6));
      expect(i).toBeGreaterThan(lastByKey.get(key) ?? -1);
      lastByKey.set(key, i);
    }
  });

  it('with murmur2_random, puts each key on the partition Sluice and kafkajs pick', async () => {
    await broker.engine.createTopic('kc-part', { partitions: 12 });
    const keys = Array.from({ length: 1000 }, (_, i) => `user-${String(i).padStart(5, '0')}`);
    const res = await run('kcat', [...b, '-t', 'kc-part', '-P', '-K:', '-X', 'topic.partitioner=murmur2_random'], keys.map((k) => `${k}:v`).join('\n') + '\n');
    expect(res.code, res.stderr).toBe(0);
    let checked = 0;
    for (let p = 0; p < 12; p++) {
      for (const r of (await broker.engine.readRecords('kc-part', p, 0, 1 << 24)).records) {
        expect(p).toBe(defaultPartition(r.key!, 12));
        checked++;
      }
    }
    expect(checked).toBe(1000);
  });

  it('consumes in a group with -G and commits', async () => {
    await broker.engine.createTopic('kc-group', { partitions: 2 });
    await run('kcat', [...b, '-t', 'kc-group', '-P', '-K:'], Array.from({ length: 500 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n');
    const res = await run('kcat', [...b, '-G', 'kc-g', '-e', '-q', '-X', 'auto.offset.reset=earliest', '-f', '%p %o\\n', 'kc-group'], undefined, 60_000);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(500);
    expect(new Set(lines).size).toBe(500);
    // Both partitions were assigned to the one member and read.
    expect(new Set(lines.map((l) => l.split(' ')[0]))).toEqual(new Set(['0', '1']));
  });
});

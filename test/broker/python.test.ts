/**
 * kafka-python 2.0.2 and confluent-kafka 1.7.0 (librdkafka 2.0.2), Debian's packages run by
 * /usr/bin/python3, against `sluice broker`: admin create/delete, a producer script, two
 * consumers in one group each owning one partition, every record seen exactly once, and the full
 * scenario (admin, produce, consume half and commit, resume from the commit; ./scenario.ts) in
 * each client's default configuration, and with kafka-python pinned to old brokers (0.10.1: the
 * magic 1 MessageSet of Produce v2 / Fetch v2-3; 0.9: magic 0 of Produce v1 / Fetch v1).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/tmp.js';
import { checkScenario, pythonScenario } from './scenario.js';
import { PYTHON, run, testBroker } from './support.js';

const broker = await testBroker({ autoCreateTopics: false });
const script = (name: string) => path.join(repoRoot, 'test/fixtures/python', name);

/** Starts a consumer script; resolves `assigned` on its first assignment line, `done` with all its lines at exit. */
function consumer(lib: string, topic: string, group: string, expect: number) {
  const child = spawn(PYTHON, [script('consume.py'), lib, broker.address, topic, group, String(expect), '6'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let onAssigned: (p: string) => void;
  const assigned = new Promise<string>((r) => (onAssigned = r));
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      if (l.startsWith('assigned ') && l.length > 'assigned '.length) onAssigned(l.slice(9));
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const done = new Promise<{ records: string[]; stderr: string }>((resolve) =>
    child.on('close', () => resolve({ records: lines.filter((l) => /^\d+ \d+ /.test(l)), stderr })),
  );
  return { assigned, done, kill: () => child.kill('SIGKILL') };
}

/** lib, what, options, Produce and Fetch versions it must have sent. */
const scenarios: Array<[string, string, object, string[]]> = [
  ['kafka-python', 'default configuration', {}, []],
  ['kafka-python', 'pinned to Kafka 0.10.1 (MessageSet v1)', { api_version: [0, 10, 1] }, ['0:2', '1:3']],
  ['kafka-python', 'pinned to Kafka 0.9 (MessageSet v0)', { api_version: [0, 9] }, ['0:1', '1:1']],
  ['confluent', 'default configuration', {}, []],
  ['confluent', 'idempotent (enable.idempotence=true)', { idempotent: true }, ['22:4']],
  ...(['gzip', 'snappy', 'lz4', 'zstd'] as const).map((c): [string, string, object, string[]] => ['confluent', `compressed with ${c}`, { compression: c }, []]),
  ['kafka-python', 'compressed with gzip', { compression: 'gzip' }, []],
];

describe('the client scenario in Python', () => {
  scenarios.forEach(([lib, what, opts, versions], i) => {
    it(`${lib}, ${what}: administers, produces, consumes in a group, commits and resumes`, async () => {
      const before = { ...broker.stats().byVersion };
      const r = await pythonScenario(broker.address, lib, `py-scn-${i}`, `py-scn-g${i}`, opts);
      for (const kv of versions) expect((broker.stats().byVersion[kv] ?? 0) - (before[kv] ?? 0), `requests ${kv}`).toBeGreaterThan(0);
      checkScenario(r, 200);
      expect(r.steps.find((s) => s.step === 'deleted')!.topics).not.toContain(`py-scn-${i}`);
    });
  });
});

for (const lib of ['kafka-python', 'confluent'] as const) {
  describe(`${lib} against sluice broker`, () => {
    it('creates and deletes a topic with the admin client', async () => {
      const res = await run(PYTHON, [script('admin.py'), lib, broker.address, `${lib}-adm`, '3']);
      expect(res.code, res.stderr).toBe(0);
      const [created, deleted] = res.stdout.trim().split('\n');
      expect(created!.split(' ')).toContain(`${lib}-adm`);
      if (lib === 'confluent') expect(created).toContain('partitions=3');
      expect(deleted!.split(' ')).not.toContain(`${lib}-adm`);
      expect(broker.engine.hasTopic(`${lib}-adm`)).toBe(false);
    });

    it('two consumers of one group each own a partition and see every record once', async () => {
      const topic = `${lib}-group`;
      await broker.engine.createTopic(topic, { partitions: 2 });
      const n = 2000;
      const a = consumer(lib, topic, `${lib}-g`, n);
      const b = consumer(lib, topic, `${lib}-g`, n);
      try {
        // Both joined and the group settled on one partition each before anything is produced.
        const deadline = Date.now() + 45_000;
        let pa = '';
        let pb = '';
        while (Date.now() < deadline) {
          [pa, pb] = await Promise.all([a.assigned, b.assigned]);
          const desc = await (await import('../../core/groups/coordinator.js')).coordinatorFor(broker.engine).then((c) => c.describeGroup(`${lib}-g`));
          if (desc.state === 'Stable' && desc.members.length === 2) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        const produced = await run(PYTHON, [script('produce.py'), lib, broker.address, topic, String(n), '2']);
        expect(produced.code, produced.stderr).toBe(0);
        const [ra, rb] = await Promise.all([a.done, b.done]);
        const all = [...ra.records, ...rb.records];
        expect(all.length, ra.stderr + rb.stderr).toBe(n);
        expect(new Set(all.map((l) => l.split(' ')[2])).size).toBe(n);
        const partsA = new Set(ra.records.map((l) => l.split(' ')[0]));
        const partsB = new Set(rb.records.map((l) => l.split(' ')[0]));
        expect(partsA.size).toBe(1);
        expect(partsB.size).toBe(1);
        expect([...partsA, ...partsB].sort()).toEqual(['0', '1']);
        expect(pa).not.toBe(pb);
      } finally {
        a.kill();
        b.kill();
      }
    });
  });
}

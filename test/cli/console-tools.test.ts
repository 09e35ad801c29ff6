/**
 * The console tools on the embedded log, as a Kafka user reaches for them: produce with headers,
 * tombstones and JSON input; consume from a partition, an offset, N before the end or a time, with
 * headers, timestamps, a kcat-like template or JSON; topics alter and add-partitions; groups
 * reset-offsets (each target, --dry-run, refused while the group has members) and delete;
 * --output json on lists and describes; and `consume | head` stopping cleanly and committing only
 * what it wrote (it died with an unhandled EPIPE before).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { tempDir } from '../support/tmp.js';
import { bin, sluice as run } from './run-cli.js';

const dir = tempDir('console');
const data = path.join(dir, 'data');
const sluice = (args: string[], input?: string) => run([...args, '--data-dir', data], { input });

type JsonRecord = { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: Record<string, string> };
const jsonLines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonRecord);

beforeAll(async () => {
  expect((await sluice(['topics', 'create', 'events', '--partitions', '2'])).code).toBe(0);
  // 20 keyed records at fixed timestamps (JSON input), 10 per partition by explicit partition.
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ key: `k${i}`, value: { i }, headers: { n: String(i) }, partition: i % 2, timestamp: 1_700_000_000_000 + i * 1000 }));
  const p = await sluice(['produce', 'events', '--format', 'json', '--header', 'origin=test'], lines.join('\n') + '\n');
  expect(p.code, p.err).toBe(0);
  expect(p.err).toMatch(/produced 20 record/);
});

describe('produce', () => {
  it('sends headers, tombstones (--null-marker and JSON null) and refuses a bad JSON line naming it', async () => {
    expect((await sluice(['produce', 'table', '--key-separator', '=', '--null-marker', 'NULL', '--header', 'a=1', '--header', 'b=x=y'], 'alice=1\nbob=2\nalice=NULL\n')).code).toBe(0);
    expect((await sluice(['produce', 'table', '--format', 'json'], '{"key":"bob","value":null}\n\n{"key":"carol","value":"plain text"}\n')).code).toBe(0);
    const c = await sluice(['consume', 'table', '--from-beginning', '--format', 'json', '--timeout-ms', '500']);
    const recs = jsonLines(c.out);
    expect(recs.map((r) => [r.key, r.value])).toEqual([['alice', '1'], ['bob', '2'], ['alice', null], ['bob', null], ['carol', 'plain text']]);
    expect(recs[0]!.headers).toEqual({ a: '1', b: 'x=y' });
    const bad = await sluice(['produce', 'table', '--format', 'json'], '{"key":"dave","value":1}\n{"key":"erin"\n');
    expect(bad.code).toBe(1);
    expect(bad.err.trim().split('\n').at(-1)).toMatch(/stdin line 2: not JSON .*; 1 record\(s\) before it were sent/);
    const noValue = await sluice(['produce', 'table', '--format', 'json'], '{"key":"x"}\n');
    expect(noValue.err).toMatch(/stdin line 1: "value" is missing \(null for a tombstone\)/);
  });
});

describe('consume', () => {
  it('prints timestamps and headers in columns, and JSON with every field', async () => {
    const c = await sluice(['consume', 'events', '--from-beginning', '--partition', '1', '--print-offset', '--print-timestamp', '--print-key', '--print-headers', '--max-messages', '2']);
    expect(c.code).toBe(0);
    expect(c.out).toBe(`0\t1700000001000\tk1\torigin:test,n:1\t{"i":1}\n1\t1700000003000\tk3\torigin:test,n:3\t{"i":3}\n`);
    const j = jsonLines((await sluice(['consume', 'events', '--from-beginning', '--format', 'json', '--timeout-ms', '500'])).out);
    expect(j).toHaveLength(20);
    expect(j.find((r) => r.key === 'k4')).toEqual({ topic: 'events', partition: 0, offset: 2, timestamp: 1_700_000_004_000, key: 'k4', value: '{"i":4}', headers: { origin: 'test', n: '4' } });
  });

  it('starts at a partition and offset, N before the end, the end, or a time', { timeout: 300_000 }, async () => {
    const keys = async (args: string[]) => (await sluice(['consume', 'events', '--format', '%k\\n', '--timeout-ms', '500', ...args])).out.trim().split('\n').filter(Boolean);
    expect(await keys(['--partition', '0', '--offset', '8'])).toEqual(['k16', 'k18']);
    expect(await keys(['--partition', '1', '--offset', '-2'])).toEqual(['k17', 'k19']);
    expect((await keys(['--offset', '-1'])).sort()).toEqual(['k18', 'k19']);
    expect(await keys(['--offset', 'latest'])).toEqual([]);
    expect(await keys(['--partition', '0', '--offset', 'earliest', '--max-messages', '1'])).toEqual(['k0']);
    // 1 700 000 015 000 is k15's time: partition 0 starts at k16, partition 1 at k15.
    expect((await keys(['--from-timestamp', '1700000015000'])).sort()).toEqual(['k15', 'k16', 'k17', 'k18', 'k19']);
    expect((await keys(['--from-timestamp', new Date(1_700_000_018_000).toISOString()])).sort()).toEqual(['k18', 'k19']);
    const tpl = await sluice(['consume', 'events', '--partition', '1', '--offset', '9', '--format', '%t/%p/%o %K:%k %S:%s %T %h%%\\n', '--timeout-ms', '500']);
    expect(tpl.out).toBe('events/1/9 3:k19 8:{"i":19} 1700000019000 origin:test,n:19%\n');
    const missing = await sluice(['consume', 'events', '--partition', '5', '--timeout-ms', '100']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/partition 5/);
  });

  it('with --offset and a group, commits from there and a rerun resumes after it', async () => {
    expect((await sluice(['consume', 'events', '--group', 'from-8', '--offset', '8', '--timeout-ms', '500'])).out.trim().split('\n')).toHaveLength(4);
    const d = JSON.parse((await sluice(['groups', 'describe', 'from-8', '--output', 'json'])).out);
    expect(d.offsets.map((o: { committed: number }) => o.committed)).toEqual([10, 10]);
  });

  it('stops cleanly when the reader of stdout goes away (| head), committing only what was written', async () => {
    const many = Array.from({ length: 30_000 }, (_, i) => `k${i}:${'x'.repeat(100)} ${i}`).join('\n') + '\n';
    expect((await sluice(['produce', 'many', '--key-separator', ':'], many)).code).toBe(0);
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const sh = spawn('sh', ['-c', `"${process.execPath}" "${bin}" consume many --from-beginning --group heads --timeout-ms 2000 --data-dir "${data}" | head -5`], { env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' } });
      let out = '';
      let err = '';
      sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
      sh.stderr.on('data', (d: Buffer) => (err += d.toString()));
      sh.on('close', (code) => resolve({ code, out, err }));
    });
    expect(r.out.trim().split('\n')).toHaveLength(5);
    expect(r.err).toBe(''); // no EPIPE, no stack trace
    // What was committed was written whole; the rest comes to the next reader: nothing lost.
    const d = JSON.parse((await sluice(['groups', 'describe', 'heads', '--output', 'json'])).out);
    const committed = d.offsets.reduce((s: number, o: { committed: number }) => s + o.committed, 0);
    expect(committed).toBeLessThan(30_000);
    const rest = await sluice(['consume', 'many', '--group', 'heads', '--from-beginning', '--format', '%o\\n', '--timeout-ms', '1000']);
    expect(rest.out.trim().split('\n').filter(Boolean).map(Number)).toEqual(Array.from({ length: 30_000 - committed }, (_, i) => committed + i));
  });
});

describe('topics', () => {
  it('alters configs, adds partitions and prints JSON', { timeout: 300_000 }, async () => {
    const a = await sluice(['topics', 'alter', 'events', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact,delete']);
    expect(a.code, a.err).toBe(0);
    let d = JSON.parse((await sluice(['topics', 'describe', 'events', '--output', 'json'])).out);
    expect(d.config).toMatchObject({ 'retention.ms': 3_600_000, 'cleanup.policy': 'compact,delete' });
    expect((await sluice(['topics', 'alter', 'events', '--delete-config', 'retention.ms'])).code).toBe(0);
    d = JSON.parse((await sluice(['topics', 'describe', 'events', '--output', 'json'])).out);
    expect(d.config['retention.ms']).toBe(604_800_000);
    expect(d.config['cleanup.policy']).toBe('compact,delete');
    const bad = await sluice(['topics', 'alter', 'events', '--config', 'retention.ms=soon']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/"retention.ms"/);
    const unknown = await sluice(['topics', 'alter', 'events', '--config', 'retention.hours=1']);
    expect(unknown.err).toMatch(/unknown topic config "retention.hours"/);

    expect((await sluice(['topics', 'add-partitions', 'events', '--partitions', '4'])).out).toMatch(/now has 4 partitions \(was 2\)/);
    d = JSON.parse((await sluice(['topics', 'describe', 'events', '--output', 'json'])).out);
    expect(d.partitions.map((p: { partition: number; highWatermark: number }) => [p.partition, p.highWatermark])).toEqual([[0, 10], [1, 10], [2, 0], [3, 0]]);
    const fewer = await sluice(['topics', 'add-partitions', 'events', '--partitions', '3']);
    expect(fewer.code).toBe(2);
    expect(fewer.err).toMatch(/--partitions must be larger than the topic's 4 partition\(s\), got 3/);
    // The change survives a restart of the log.
    const client = embedded({ dataDir: data });
    try {
      const t = await client.admin().describeTopic('events');
      expect(t.partitions).toHaveLength(4);
      expect(t.config['cleanup.policy']).toBe('compact,delete');
    } finally {
      await client.close();
    }
    expect(JSON.parse((await sluice(['topics', 'list', '--output', 'json'])).out)).toEqual(expect.arrayContaining(['events', 'many', 'table', '__consumer_offsets']));
    expect(JSON.parse((await sluice(['topics', 'list', '--output', 'json', '--exclude-internal'])).out)).not.toContain('__consumer_offsets');
  });
});

describe('groups', () => {
  // About twenty commands, each a Node process: minutes on a loaded two-core machine.
  it('resets offsets to each target, with --dry-run changing nothing, and deletes the group', { timeout: 300_000 }, async () => {
    expect((await sluice(['consume', 'table', '--from-beginning', '--group', 'resets', '--timeout-ms', '300'])).code).toBe(0);
    const committed = async () => JSON.parse((await sluice(['groups', 'describe', 'resets', '--output', 'json'])).out).offsets.map((o: { committed: number }) => o.committed);
    expect(await committed()).toEqual([6]); // the 5 of the first test and dave's
    const dry = await sluice(['groups', 'reset-offsets', 'resets', '--topic', 'table', '--to-earliest', '--dry-run']);
    expect(dry.out).toBe('dry run: nothing changed\ntopic\tpartition\tcurrent-offset\tnew-offset\ntable\t0\t6\t0\n');
    expect(await committed()).toEqual([6]);
    expect((await sluice(['groups', 'reset-offsets', 'resets', '--topic', 'table', '--to-earliest'])).code).toBe(0);
    expect(await committed()).toEqual([0]);
    expect((await sluice(['groups', 'reset-offsets', 'resets', '--all-topics', '--shift-by', '3'])).code).toBe(0);
    expect(await committed()).toEqual([3]);
    expect((await sluice(['groups', 'reset-offsets', 'resets', '--all-topics', '--shift-by', '-10'])).code).toBe(0);
    expect(await committed()).toEqual([0]); // kept within the log
    expect((await sluice(['groups', 'reset-offsets', 'resets', '--topic', 'table:0', '--to-offset', '99'])).code).toBe(0);
    expect(await committed()).toEqual([6]);
    expect((await sluice(['groups', 'reset-offsets', 'resets', '--topic', 'table', '--to-latest'])).code).toBe(0);
    expect(await committed()).toEqual([6]);
    const json = JSON.parse((await sluice(['groups', 'reset-offsets', 'resets', '--topic', 'events', '--to-datetime', '1700000015000', '--output', 'json'])).out);
    expect(json.partitions.map((p: { partition: number; current: number | null; next: number }) => [p.partition, p.current, p.next])).toEqual([
      [0, null, 8],
      [1, null, 7],
      [2, null, 0],
      [3, null, 0],
    ]);
    const shiftNone = await sluice(['groups', 'reset-offsets', 'fresh', '--topic', 'table', '--shift-by', '1']);
    expect(shiftNone.code).toBe(1);
    expect(shiftNone.err).toMatch(/cannot shift table\/0: the group has no committed offset there/);
    expect(JSON.parse((await sluice(['groups', 'list', '--output', 'json'])).out)).toContain('resets');
    expect((await sluice(['groups', 'delete', 'resets'])).out).toMatch(/deleted group "resets"/);
    expect(JSON.parse((await sluice(['groups', 'list', '--output', 'json'])).out)).not.toContain('resets');
    const again = await sluice(['groups', 'delete', 'resets']);
    expect(again.code).toBe(1);
    expect(again.err.trim()).toBe('sluice groups delete: group "resets" does not exist');
  });
});

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../support/tmp.js';

const bin = path.join(repoRoot, 'bin/sluice.js');
const dataDir = path.join(tempDir('cli'), 'data');

function sluice(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args, '--data-dir', dataDir], { input, encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('sluice CLI', () => {
  it('creates, lists, describes and deletes topics, refusing bad input with a message naming it', () => {
    expect(sluice(['topics', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=60000'])).toMatchObject({ code: 0 });
    expect(sluice(['topics', 'list']).out.split('\n')).toContain('orders');
    const d = sluice(['topics', 'describe', 'orders']);
    expect(d.out).toMatch(/partitions 3/);
    expect(d.out).toMatch(/retention\.ms=60000/);
    const bad = sluice(['topics', 'create', 'bad name', '--partitions', '1']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/topic name "bad name" is illegal/);
    const zero = sluice(['topics', 'create', 'x', '--partitions', '0']);
    expect(zero.code).not.toBe(0);
    expect(zero.err).toMatch(/partitions must be an integer/);
    const cfg = sluice(['topics', 'create', 'y', '--partitions', '1', '--config', 'segment.bytes=tiny']);
    expect(cfg.err).toMatch(/"segment.bytes"/);
    expect(sluice(['topics', 'create', 'tmp', '--partitions', '1']).code).toBe(0);
    expect(sluice(['topics', 'delete', 'tmp']).code).toBe(0);
    expect(sluice(['topics', 'list']).out.split('\n')).not.toContain('tmp');
  });

  it('produces stdin lines and consumes them with the requested fields, committing with --group', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `user-${i % 5}:event ${i}`).join('\n') + '\n';
    const p = sluice(['produce', 'orders', '--key-separator', ':'], lines);
    expect(p.code).toBe(0);
    expect(p.err).toMatch(/produced 30 record/);
    const c = sluice(['consume', 'orders', '--from-beginning', '--max-messages', '30', '--print-partition', '--print-offset', '--print-key']);
    expect(c.code).toBe(0);
    const rows = c.out.trim().split('\n').map((l) => l.split('\t'));
    expect(rows).toHaveLength(30);
    for (const [partition, offset, key, value] of rows) {
      expect(Number(partition)).toBeGreaterThanOrEqual(0);
      expect(Number(offset)).toBeGreaterThanOrEqual(0);
      expect(value).toMatch(/^event \d+$/);
      expect(key).toBe(`user-${Number(value!.split(' ')[1]) % 5}`);
    }
    // Records of one key share a partition.
    const byKey = new Map<string, Set<string>>();
    for (const [partition, , key] of rows) byKey.set(key!, (byKey.get(key!) ?? new Set()).add(partition!));
    for (const s of byKey.values()) expect(s.size).toBe(1);
    const g = sluice(['consume', 'orders', '--from-beginning', '--group', 'readers', '--timeout-ms', '300']);
    expect(g.out.trim().split('\n')).toHaveLength(30);
    const again = sluice(['consume', 'orders', '--from-beginning', '--group', 'readers', '--timeout-ms', '200']);
    expect(again.out).toBe('');
    const desc = sluice(['groups', 'describe', 'readers']);
    expect(desc.code).toBe(0);
    const offsets = desc.out.split('\n').filter((l) => l.startsWith('orders\t')).map((l) => l.split('\t'));
    expect(offsets.reduce((s, o) => s + Number(o[2]), 0)).toBe(30);
    expect(offsets.every((o) => o[4] === '0')).toBe(true);
  });

  it('exits with an error for an unknown topic or command', () => {
    const c = sluice(['consume', 'nope', '--timeout-ms', '100']);
    expect(c.code).not.toBe(0);
    expect(c.err).toMatch(/"nope" does not exist/);
    expect(sluice(['frobnicate']).code).toBe(2);
  });
});

describe('sluice demo', () => {
  it.each([[[]], [['--threads', '2']]])('runs the activity monitor on a temporary embedded log and prints closed windows (%j)', (extra: string[]) => {
    const r = spawnSync(process.execPath, [bin, 'demo', '--duration', '7', '--rate', '20000', ...extra], { encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    if (extra.length) expect(r.stdout).toContain('(app in 2 task threads)');
    expect(r.stdout).toMatch(/window \d\d:\d\d:\d\d–\d\d:\d\d:\d\d {2}\d+ users, \d+ actions; busiest: user-\d{5} \d+/);
    expect(r.stdout).toMatch(/stopped cleanly/);
  }, 60_000);
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidTopicError, OffsetOutOfRangeError, TopicExistsError, UnknownTopicError } from '../../core/errors.js';
import { openLog } from '../../core/log/engine.js';
import { DataDirLockedError } from '../../core/log/errors.js';
import type { Clock, OpenLogOptions } from '../../core/log/types.js';
import { tempDir } from '../support/tmp.js';

const base = tempDir('log');
let n = 0;
const freshDir = () => path.join(base, `d${n++}`);

const modes: Array<[string, () => OpenLogOptions]> = [
  ['on disk', () => ({ dataDir: freshDir(), maintenanceIntervalMs: 0 })],
  ['in memory', () => ({ memory: true, maintenanceIntervalMs: 0 })],
];

for (const [mode, opts] of modes) {
  describe(`log engine ${mode}`, () => {
    it('appends, reads, lists offsets and rolls segments', async () => {
      const log = await openLog(opts());
      await log.createTopic('events', { partitions: 3, config: { 'segment.bytes': 2048 } });
      for (let i = 0; i < 200; i++) {
        const res = await log.append('events', i % 3, [{ key: `k${i}`, value: `value-${i}`, headers: { i: String(i) }, timestamp: 1000 + i }]);
        expect(res.baseOffset).toBe(Math.floor(i / 3));
      }
      const d = log.describeTopic('events');
      expect(d.partitions.map((p) => p.highWatermark)).toEqual([67, 67, 66]);
      const { records } = await log.readRecords('events', 1, 10, 1 << 20);
      expect(records[0]).toMatchObject({ offset: 10, timestamp: 1000 + 31 });
      expect(records[0]!.value!.toString()).toBe('value-31');
      expect(records[0]!.headers.i!.toString()).toBe('31');
      expect(records.length).toBe(57);
      // A record budget: that many records come back, from the requested offset (decoding stops there).
      const budget = await log.readRecords('events', 1, 10, 1 << 20, 5);
      expect(budget.records.map((r) => r.offset)).toEqual([10, 11, 12, 13, 14]);
      // maxBytes bounds the read, but at least one whole batch comes back
      const small = await log.read('events', 1, 0, 1);
      expect(small.batches.length).toBe(1);
      expect(await log.listOffset('events', 0, 'earliest')).toMatchObject({ offset: 0 });
      expect(await log.listOffset('events', 0, 'latest')).toMatchObject({ offset: 67 });
      expect(await log.listOffset('events', 0, { timestamp: 1000 + 30 })).toEqual({ offset: 10, timestamp: 1030 });
      expect(await log.listOffset('events', 0, { timestamp: 99_999 })).toEqual({ offset: -1, timestamp: -1 });
      expect((await log.read('events', 0, 67, 1000)).batches).toEqual([]);
      expect((await log.read('events', 0, 500, 1000)).batches).toEqual([]);
      await log.close();
    });

    it('never skips records when a read stops inside a segment', async () => {
      const log = await openLog(opts());
      await log.createTopic('s', { partitions: 1, config: { 'segment.bytes': 4096 } });
      for (let i = 0; i < 300; i++) await log.append('s', 0, Array.from({ length: 1 + (i % 5) }, (_, j) => ({ value: `v-${i}-${j}-${'x'.repeat(i % 40)}` })));
      const hw = log.describeTopic('s').partitions[0]!.highWatermark;
      for (const maxBytes of [1, 700, 3000, 5000, 9000]) {
        let next = 0;
        while (next < hw) {
          const { records } = await log.readRecords('s', 0, next, maxBytes);
          expect(records.length).toBeGreaterThan(0);
          for (const r of records) expect(r.offset).toBe(next++);
        }
      }
      await log.close();
    });

    it('refuses bad names, partition counts, configs and duplicates, naming them', async () => {
      const log = await openLog(opts());
      for (const bad of ['', '.', '..', 'has space', 'a/b', 'x'.repeat(250), 'ünï']) {
        await expect(log.createTopic(bad, { partitions: 1 })).rejects.toBeInstanceOf(InvalidTopicError);
      }
      await expect(log.createTopic('ok', { partitions: 0 })).rejects.toThrow(/partitions must be an integer/);
      await expect(log.createTopic('ok', { partitions: 1.5 })).rejects.toBeInstanceOf(InvalidConfigError);
      await expect(log.createTopic('ok', { partitions: 1, config: { 'retention.ms': 'soon' } })).rejects.toThrow(/"retention.ms"/);
      await expect(log.createTopic('ok', { partitions: 1, config: { 'cleanup.policy': 'sometimes' } })).rejects.toThrow(/"cleanup.policy"/);
      await expect(log.createTopic('ok', { partitions: 1, config: { 'no.such.key': 1 } })).rejects.toThrow(/unknown topic config "no.such.key"/);
      await log.createTopic('ok', { partitions: 1 });
      await expect(log.createTopic('ok', { partitions: 1 })).rejects.toBeInstanceOf(TopicExistsError);
      await expect(log.append('missing', 0, [{ value: 'x' }])).rejects.toBeInstanceOf(UnknownTopicError);
      await log.close();
    });

    it('waits for data without polling, and times out', async () => {
      const log = await openLog(opts());
      await log.createTopic('w', { partitions: 1 });
      expect(await log.waitFor('w', 0, 0, 20)).toBe(false);
      const waiting = log.waitFor('w', 0, 0, 10_000);
      setTimeout(() => void log.append('w', 0, [{ value: 'x' }]), 20);
      expect(await waiting).toBe(true);
      const ac = new AbortController();
      const aborted = log.waitFor('w', 0, 5, 10_000, ac.signal);
      ac.abort();
      expect(await aborted).toBe(false);
      await log.close();
    });

    it('deletes whole segments by retention.bytes and moves the log start offset', async () => {
      const log = await openLog(opts());
      await log.createTopic('r', { partitions: 1, config: { 'segment.bytes': 1024, 'retention.bytes': 3000 } });
      for (let i = 0; i < 100; i++) await log.append('r', 0, [{ key: 'k', value: 'x'.repeat(100) }]);
      const before = log.describeTopic('r').partitions[0]!;
      await log.runMaintenance();
      const after = log.describeTopic('r').partitions[0]!;
      expect(after.highWatermark).toBe(100);
      expect(after.logStartOffset).toBeGreaterThan(0);
      expect(after.sizeBytes).toBeLessThan(3000 + 1024);
      expect(after.sizeBytes).toBeGreaterThanOrEqual(3000 - 1024);
      expect(before.sizeBytes).toBeGreaterThan(after.sizeBytes);
      await expect(log.read('r', 0, 0, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
      const { records } = await log.readRecords('r', 0, after.logStartOffset, 1 << 20);
      expect(records[0]!.offset).toBe(after.logStartOffset);
      expect(records[records.length - 1]!.offset).toBe(99);
      await log.close();
    });
  });
}

describe('log engine time-based behaviour (injected clock)', () => {
  it('deletes segments older than retention.ms and nothing newer', async () => {
    let now = 1_000_000;
    const clock: Clock = { now: () => now };
    const dir = freshDir();
    let log = await openLog({ dataDir: dir, clock, maintenanceIntervalMs: 0 });
    await log.createTopic('t', { partitions: 1, config: { 'retention.ms': 10_000, 'segment.ms': 1000 } });
    for (let i = 0; i < 10; i++) {
      await log.append('t', 0, [{ value: `old-${i}` }]); // timestamps from the clock
      now += 1500; // every append rolls a segment (segment.ms)
    }
    now += 5000;
    await log.append('t', 0, [{ value: 'new' }]);
    await log.runMaintenance();
    const { records } = await log.readRecords('t', 0, log.describeTopic('t').partitions[0]!.logStartOffset, 1 << 20);
    // old-i was written at 1.5 s × i, "new" at 20 s: segments whose newest record is more than
    // 10 s old (old-0 … old-6) are gone; the rest stay whole.
    expect(records.map((r) => r.value!.toString())).toEqual(['old-7', 'old-8', 'old-9', 'new']);
    const start = log.describeTopic('t').partitions[0]!.logStartOffset;
    expect(start).toBe(7);
    await log.close();
    // The log start offset and every offset survive a restart; below the start is out of range.
    log = await openLog({ dataDir: dir, clock, maintenanceIntervalMs: 0 });
    expect(log.describeTopic('t').partitions[0]!.logStartOffset).toBe(start);
    await expect(log.read('t', 0, start - 1, 1 << 20)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    const again = await log.readRecords('t', 0, start, 1 << 20);
    expect(again.records.map((r) => [r.offset, r.value!.toString()])).toEqual([[7, 'old-7'], [8, 'old-8'], [9, 'old-9'], [10, 'new']]);
    expect((await log.append('t', 0, [{ value: 'next' }])).baseOffset).toBe(11);
    await log.close();
  });

  it('compacts to the latest value per key, keeps offsets, and drops old tombstones only', async () => {
    let now = 5_000_000;
    const clock: Clock = { now: () => now };
    const dir = freshDir();
    let log = await openLog({ dataDir: dir, clock, maintenanceIntervalMs: 0 });
    await log.createTopic('c', { partitions: 1, config: { 'cleanup.policy': 'compact', 'segment.bytes': 1024, 'delete.retention.ms': 60_000 } });
    const expected = new Map<string, string | null>();
    for (let i = 0; i < 60; i++) {
      const key = `k${i % 7}`;
      const value = i === 30 ? null : `v${i}`;
      await log.append('c', 0, [{ key, value }]);
      expected.set(key, value);
    }
    await log.append('c', 0, [{ key: 'old-tombstone', value: null, timestamp: now - 120_000 }]);
    await log.append('c', 0, [{ key: 'fresh', value: 'f' }]);
    for (let i = 0; i < 20; i++) await log.append('c', 0, [{ key: `pad${i}`, value: 'p'.repeat(50) }]);
    const hw = log.describeTopic('c').partitions[0]!.highWatermark;
    await log.runMaintenance();
    await log.close();
    log = await openLog({ dataDir: dir, clock, maintenanceIntervalMs: 0 });
    const { records } = await log.readRecords('c', 0, 0, 1 << 22);
    expect(log.describeTopic('c').partitions[0]!.highWatermark).toBe(hw);
    const latest = new Map<string, { value: string | null; offset: number }>();
    for (const r of records) latest.set(r.key!.toString(), { value: r.value?.toString() ?? null, offset: r.offset });
    // Every key's latest value is still there at its original offset.
    for (const [k, v] of expected) if (v !== null) expect(latest.get(k)?.value).toBe(v);
    expect(latest.has('old-tombstone')).toBe(false);
    expect(latest.get('fresh')?.value).toBe('f');
    // Nothing superseded survives in the compacted segments.
    const seen = new Map<string, number>();
    for (const r of records) seen.set(r.key!.toString(), (seen.get(r.key!.toString()) ?? 0) + 1);
    expect(records.length).toBeLessThan(hw);
    const offsets = records.map((r) => r.offset);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    await log.close();
  });
});

describe('log engine durability', () => {
  it('keeps topics, configs and records across a restart', async () => {
    const dir = freshDir();
    let log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    await log.createTopic('p', { partitions: 2, config: { 'retention.ms': 123_456 } });
    for (let i = 0; i < 50; i++) await log.append('p', i % 2, [{ key: `k${i}`, value: `v${i}` }]);
    await log.close();
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    expect(log.describeTopic('p').config['retention.ms']).toBe(123_456);
    const { records } = await log.readRecords('p', 1, 0, 1 << 20);
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 25 }, (_, i) => `v${2 * i + 1}`));
    const res = await log.append('p', 1, [{ value: 'after' }]);
    expect(res.baseOffset).toBe(25);
    await log.deleteTopic('p');
    expect(log.hasTopic('p')).toBe(false);
    await log.close();
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    expect(log.listTopics()).toEqual([]);
    await log.close();
  });

  it('refuses a second engine on the same directory', async () => {
    const dir = freshDir();
    const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    await expect(openLog({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    await log.close();
    const again = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    await again.close();
    // A lock left behind by a process that died is taken over.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(path.join(dir, '.lock'), String(deadPid));
    const afterCrash = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    expect(fs.readFileSync(path.join(dir, '.lock'), 'utf8')).toBe(String(process.pid));
    await afterCrash.close();
  });

  it('cuts garbage and a half-written batch off the tail on open, with a warning', async () => {
    const dir = freshDir();
    let log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    await log.createTopic('g', { partitions: 1 });
    for (let i = 0; i < 10; i++) await log.append('g', 0, [{ value: `ok-${i}` }]);
    await log.close();
    const seg = path.join(dir, 'g', '0', '00000000000000000000.log');
    const good = fs.statSync(seg).size;
    const { encodeRecordBatch } = await import('../../core/log/record-batch.js');
    const next = encodeRecordBatch([{ value: 'torn' }], { baseOffset: 10, now: 1 });
    fs.appendFileSync(seg, next.subarray(0, next.length - 5));
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger });
    expect(warnings.length).toBe(1);
    expect(fs.statSync(seg).size).toBe(good);
    expect(log.describeTopic('g').partitions[0]!.highWatermark).toBe(10);
    await log.append('g', 0, [{ value: 'ok-10' }]);
    await log.close();
    fs.appendFileSync(seg, Buffer.from('this is not a record batch, just garbage bytes'.repeat(3)));
    warnings.length = 0;
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger });
    expect(warnings.length).toBe(1);
    const { records } = await log.readRecords('g', 0, 0, 1 << 20);
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 11 }, (_, i) => `ok-${i}`));
    await log.close();
  });
});

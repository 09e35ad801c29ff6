/**
 * The log's limits and failure paths: file descriptors (a log of many partitions opens and reopens
 * under a low descriptor limit), the partition limit, a failed topic creation leaving nothing
 * behind, a 249-character topic deleted for good, max.message.bytes and readable codecs enforced
 * on every append path, a full disk answered with a retriable storage error, and the data
 * directory's OS-held lock freed the moment its holder dies.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidPartitionsError, LogStorageError, RecordTooLargeError, UnsupportedCompressionError } from '../../core/errors.js';
import { crc32c } from '../../core/log/crc32c.js';
import { openLog } from '../../core/log/engine.js';
import { DataDirLockedError } from '../../core/log/errors.js';
import { decodeRecordBatch, encodeRecordBatch, readBatchHeader } from '../../core/log/record-batch.js';
import type { Logger } from '../../core/log/types.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const base = tempDir('limits');
let n = 0;
const freshDir = () => path.join(base, `d${n++}`);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('file descriptors', () => {
  it('a topic of 3 000 partitions is created, written and reopened under a limit of 256 descriptors', () => {
    const dir = freshDir();
    const fixture = path.join(repoRoot, 'test/fixtures/many-partitions.ts');
    const runUnderLimit = (mode: string) =>
      spawnSync('prlimit', ['--nofile=256:256', process.execPath, '--import', 'tsx', fixture, dir, '3000', mode], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    const created = runUnderLimit('create');
    expect(created.stderr).not.toMatch(/EMFILE/);
    expect(created.stdout.trim()).toBe('ok 3000');
    const reopened = runUnderLimit('reopen');
    expect(reopened.stderr).not.toMatch(/EMFILE/);
    expect(reopened.stdout.trim()).toBe('ok 3000');
  }, 180_000);

  it('keeps open segment files within maxOpenFiles however many partitions are read', async () => {
    const log = (await openLog({ dataDir: freshDir(), maintenanceIntervalMs: 0, maxOpenFiles: 16, flush: 'never' })) as Awaited<ReturnType<typeof openLog>> & { openFiles: number };
    await log.createTopic('w', { partitions: 100 });
    for (let p = 0; p < 100; p++) await log.append('w', p, [{ value: `v${p}` }]);
    for (let p = 0; p < 100; p++) expect((await log.read('w', p, 0, 1024)).batches.length).toBe(1);
    expect(log.openFiles).toBeLessThanOrEqual(16);
    await log.close();
  });
});

describe('partitions and topics', () => {
  it('refuses partitions past maxPartitions, counting every topic', async () => {
    const log = await openLog({ dataDir: freshDir(), maintenanceIntervalMs: 0, maxPartitions: 10 });
    await log.createTopic('a', { partitions: 6 });
    await expect(log.createTopic('b', { partitions: 5 })).rejects.toBeInstanceOf(InvalidPartitionsError);
    await expect(log.createTopic('b', { partitions: 5 })).rejects.toThrow(/would make 11 partitions in this log; the limit is 10/);
    expect(log.hasTopic('b')).toBe(false);
    await log.createTopic('b', { partitions: 4 });
    await log.close();
  });

  it('a topic whose creation fails leaves nothing behind, before or after a restart', async () => {
    const dir = freshDir();
    let log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    // Make the staging area unusable: creation fails half-way through.
    fs.writeFileSync(path.join(dir, '~creating'), 'in the way');
    await expect(log.createTopic('doomed', { partitions: 4 })).rejects.toThrow();
    expect(log.hasTopic('doomed')).toBe(false);
    expect(fs.existsSync(path.join(dir, 'doomed'))).toBe(false);
    await log.close();
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    expect(log.listTopics()).not.toContain('doomed');
    await log.createTopic('doomed', { partitions: 4 });
    await log.close();
  });

  it('deletes a topic with a 249-character name for good', async () => {
    const dir = freshDir();
    const name = `t${'x'.repeat(248)}`;
    let log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    await log.createTopic(name, { partitions: 2 });
    await log.append(name, 0, [{ value: 'v' }]);
    await log.deleteTopic(name);
    expect(log.hasTopic(name)).toBe(false);
    await log.close();
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    expect(log.hasTopic(name)).toBe(false);
    await log.close();
  });
});

describe('what the broker enforces, the log enforces for every append', () => {
  it('max.message.bytes: appendRaw refuses a larger batch; append splits many records and refuses one too large', async () => {
    const log = await openLog({ memory: true, maintenanceIntervalMs: 0 });
    await log.createTopic('m', { partitions: 1, config: { 'max.message.bytes': 4096 } });
    const big = encodeRecordBatch(Array.from({ length: 100 }, (_, i) => ({ value: `${i}-${'y'.repeat(80)}` })), { now: 1 });
    await expect(log.appendRaw('m', 0, big)).rejects.toBeInstanceOf(RecordTooLargeError);
    const res = await log.append('m', 0, Array.from({ length: 100 }, (_, i) => ({ value: `${i}-${'y'.repeat(80)}` })));
    expect(res).toMatchObject({ baseOffset: 0, lastOffset: 99 });
    const batches = (await log.read('m', 0, 0, 1 << 20)).batches;
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(4096);
    expect((await log.readRecords('m', 0, 0, 1 << 20)).records.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await expect(log.append('m', 0, [{ value: 'z'.repeat(5000) }])).rejects.toThrow(/over max.message.bytes 4096 of topic "m"/);
    // Split batches laid end to end in one write: compressed ones, and stamped with the append time.
    await log.createTopic('m2', { partitions: 1, config: { 'max.message.bytes': 2048, 'message.timestamp.type': 'LogAppendTime' } });
    const values = Array.from({ length: 300 }, (_, i) => `${i}-${String(i * 7919).repeat(40)}`);
    await log.append('m2', 0, values.map((v) => ({ value: v, timestamp: 5 })), { compression: 'gzip' });
    const split = (await log.read('m2', 0, 0, 1 << 20)).batches;
    expect(split.length).toBeGreaterThan(2);
    for (const b of split) {
      expect(b.length).toBeLessThanOrEqual(2048);
      const h = readBatchHeader(b);
      expect(h.compression).toBe(1); // gzip, as sent
      expect(h.attributes & 0x08).toBe(0x08); // the LogAppendTime timestamp type
    }
    const back = (await log.readRecords('m2', 0, 0, 1 << 20)).records;
    expect(back.map((r) => r.value!.toString())).toEqual(values);
    expect(back.every((r) => r.timestamp > 5)).toBe(true);
    await log.close();
  });

  it('an uncompressed send over max.message.bytes is written as consecutive batches each under it, equal to the records sent', async () => {
    const dir = freshDir();
    const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
    try {
      for (const [topic, logAppendTime] of [['u', false], ['u-lat', true]] as const) {
        await log.createTopic(topic, { partitions: 1, config: { 'max.message.bytes': 3000, ...(logAppendTime ? { 'message.timestamp.type': 'LogAppendTime' } : {}) } });
        // Records of every shape: null keys, non-ASCII text (its UTF-8 is longer than its length:
        // the encoder's second, measured pass, here in a later batch than the first), headers,
        // timestamps out of order and absent, and one record close to the limit by itself.
        const sent = Array.from({ length: 400 }, (_, i) => ({
          key: i % 5 === 0 ? null : `k-${i}`,
          value: i === 250 ? 'w'.repeat(2900) : i % 37 === 36 ? `é-${i}-ñ€😀` : `v-${i}-${'x'.repeat(i % 60)}`,
          headers: i % 11 === 0 ? { h: `hv-${i}`, ü: Buffer.from([i & 0xff]) } : undefined,
          timestamp: i % 13 === 0 ? undefined : 1_000 + ((i * 7919) % 500),
        }));
        await log.append(topic, 0, sent);
        const batches = (await log.read(topic, 0, 0, 1 << 22)).batches;
        expect(batches.length).toBeGreaterThan(5);
        let next = 0;
        for (const b of batches) {
          expect(b.length).toBeLessThanOrEqual(3000);
          const h = readBatchHeader(b);
          expect(h.baseOffset).toBe(next);
          expect(crc32c(b.subarray(21))).toBe(b.readUInt32BE(17));
          const recs = decodeRecordBatch(b, 0, { verifyCrc: true });
          expect(recs.length).toBe(h.lastOffsetDelta + 1);
          if (!logAppendTime) expect(h.maxTimestamp).toBe(Math.max(...recs.map((r) => r.timestamp)));
          next += recs.length;
        }
        expect(next).toBe(sent.length);
        const back = (await log.readRecords(topic, 0, 0, 1 << 22)).records;
        expect(back.map((r) => [r.offset, r.key?.toString() ?? null, r.value!.toString(), Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString('hex')]))])).toEqual(
          sent.map((s, i) => [i, s.key, s.value, Object.fromEntries(Object.entries(s.headers ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('hex')]))]),
        );
        if (!logAppendTime) expect(back.filter((_, i) => i % 13 !== 0).map((r) => r.timestamp)).toEqual(sent.filter((_, i) => i % 13 !== 0).map((s) => s.timestamp));
        else expect(new Set(back.map((r) => r.timestamp)).size).toBe(1);
      }
      // One record alone over the limit refuses the whole send, and nothing of it is appended.
      await expect(log.append('u', 0, [{ value: 'a' }, { value: 'b'.repeat(3100) }, { value: 'c' }])).rejects.toBeInstanceOf(RecordTooLargeError);
      expect((await log.readRecords('u', 0, 0, 1 << 22)).records.length).toBe(400);
      // Reopened, the log finds every batch again (its index was written batch by batch).
      await log.close();
      const again = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
      expect((await again.readRecords('u', 0, 0, 1 << 22)).records.length).toBe(400);
      await again.close();
    } finally {
      await log.close().catch(() => {});
    }
  });

  it('appendRaw refuses a batch compressed with a codec no reader here can decode', async () => {
    const log = await openLog({ memory: true, maintenanceIntervalMs: 0 });
    await log.createTopic('z', { partitions: 1 });
    const b = encodeRecordBatch([{ value: 'v' }], { now: 1 });
    b.writeInt16BE(5, 21); // codec 5: no Kafka codec has it
    b.writeUInt32BE(crc32c(b.subarray(21)), 17);
    await expect(log.appendRaw('z', 0, b)).rejects.toBeInstanceOf(UnsupportedCompressionError);
    expect(log.describeTopic('z').partitions[0]!.highWatermark).toBe(0);
    await log.close();
  });
});

describe('a full disk', () => {
  it('fails the append with a retriable LogStorageError and keeps the log usable', async () => {
    const dir = freshDir();
    let log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet });
    await log.createTopic('full', { partitions: 1 });
    await log.close();
    const seg = path.join(dir, 'full', '0', '00000000000000000000.log');
    fs.rmSync(seg);
    fs.symlinkSync('/dev/full', seg); // every write: ENOSPC
    log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet });
    const err = await log.append('full', 0, [{ value: 'v' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogStorageError);
    expect(err).toMatchObject({ code: 'KAFKA_STORAGE_ERROR', retriable: true });
    expect((err as Error).message).toMatch(/ENOSPC.*disk is full/);
    expect(log.describeTopic('full').partitions[0]!.highWatermark).toBe(0);
    await log.close();
  });
});

describe('the data directory lock', () => {
  it('is free the moment its holder dies, even while the dead process is a zombie', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    // The holder's parent execs into `sleep` and never reaps it: killed, it stays a zombie (its
    // pid alive for kill(pid, 0)) until the sleep ends.
    const script = `import('${path.join(repoRoot, 'core/log/engine.ts')}').then(async (m) => { await m.openLog({ dataDir: ${JSON.stringify(dir)}, maintenanceIntervalMs: 0 }); console.log('locked'); setInterval(() => {}, 1000); })`;
    const parent = spawn('bash', ['-c', `"${process.execPath}" --import tsx -e "${script.replace(/"/g, '\\"')}" & echo $!; exec sleep 20`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        parent.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('locked')) resolve();
        });
        parent.on('exit', () => reject(new Error(`holder exited early: ${out}`)));
      });
      const holder = Number(out.split('\n')[0]);
      await expect(openLog({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
      process.kill(holder, 'SIGKILL');
      for (let i = 0; i < 100 && fs.readFileSync(`/proc/${holder}/stat`, 'utf8').split(' ')[2] !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(fs.readFileSync(`/proc/${holder}/stat`, 'utf8').split(' ')[2]).toBe('Z'); // a zombie: kill(pid, 0) still succeeds
      // Free while the holder is still a zombie (the old pid check took it for alive for seconds).
      const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0 });
      expect(fs.readFileSync(`/proc/${holder}/stat`, 'utf8').split(' ')[2]).toBe('Z');
      await log.close();
    } finally {
      parent.kill('SIGKILL');
    }
  }, 30_000);
});

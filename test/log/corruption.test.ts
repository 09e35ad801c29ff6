/**
 * Damage on disk: a torn tail is cut (log/engine.test.ts), but corruption followed by valid batches
 * and a missing middle segment refuse to open (naming the file and offsets) unless repaired on
 * purpose; an impossible batch length in a closed segment and a batch failing its CRC are reported
 * and skipped by readers (the embedded consumer, kcat through the broker), never a stall.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { CorruptLogError } from '../../core/errors.js';
import { openLog } from '../../core/log/engine.js';
import { readBatchHeader } from '../../core/log/record-batch.js';
import type { LogEngine, Logger } from '../../core/log/types.js';
import { startBroker } from '../../core/broker/server.js';
import { run } from '../broker/support.js';
import { tempDir } from '../support/tmp.js';

const base = tempDir('corrupt');
let n = 0;
const freshDir = () => path.join(base, `d${n++}`);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function recording(): Logger & { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  return { errors, warnings, debug() {}, info() {}, warn: (m, f) => void warnings.push(`${m} ${JSON.stringify(f)}`), error: (m, f) => void errors.push(`${m} ${JSON.stringify(f)}`) };
}

/** Positions of the batches of a segment file. */
function batchPositions(file: string): number[] {
  const buf = fs.readFileSync(file);
  const out: number[] = [];
  for (let pos = 0; pos + 61 <= buf.length; pos += readBatchHeader(buf, pos).size) out.push(pos);
  return out;
}

/** A log of `segments` closed segments (plus the active one) of 10 one-record batches each. */
async function filledLog(dir: string, topic: string, batches: number, segmentBytes = 1024): Promise<void> {
  const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet });
  await log.createTopic(topic, { partitions: 1, config: { 'segment.bytes': segmentBytes } });
  for (let i = 0; i < batches; i++) await log.append(topic, 0, [{ key: `k${i}`, value: `value-${i}-${'x'.repeat(40)}` }]);
  await log.close();
}

const segmentsOf = (dir: string, topic: string) =>
  fs
    .readdirSync(path.join(dir, topic, '0'))
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => path.join(dir, topic, '0', f));

async function allValues(log: LogEngine, topic: string): Promise<string[]> {
  const out: string[] = [];
  let next = 0;
  const hw = log.describeTopic(topic).partitions[0]!.highWatermark;
  while (next < hw) {
    const res = await log.readRecords(topic, 0, next, 1 << 20);
    for (const r of res.records) out.push(r.value!.toString());
    if (res.next <= next) break;
    next = res.next;
  }
  return out;
}

/** The values an embedded consumer of a fresh group gets from `topic`, until the last one (value-59-…) or 20 s. */
async function consumeAll(dir: string, topic: string, logger: Logger): Promise<string[]> {
  const client = embedded({ dataDir: dir, maintenanceIntervalMs: 0, logger });
  const consumer = client.consumer({ groupId: 'g', topics: [topic] });
  const seen: string[] = [];
  try {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !seen.some((v) => v.startsWith('value-59-'))) {
      for (const b of await consumer.poll({ maxWaitMs: 100 })) for (const r of b.records) seen.push(r.value!.toString());
    }
  } finally {
    await consumer.close();
    await client.close();
  }
  return seen;
}

describe('corruption on open', () => {
  it('refuses a flipped bit in the active segment that valid batches follow, naming file and offset; repair cuts it on purpose', async () => {
    const dir = freshDir();
    await filledLog(dir, 'c', 30, 1 << 20); // one segment, the active one
    const [seg] = segmentsOf(dir, 'c');
    const positions = batchPositions(seg!);
    const bytes = fs.readFileSync(seg!);
    bytes[positions[10]! + 70] ^= 0x01; // inside batch 10's records: its CRC fails, batches 11.. are fine
    fs.writeFileSync(seg!, bytes);
    const err = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptLogError);
    expect((err as Error).message).toContain(seg!);
    expect((err as Error).message).toContain(`byte ${positions[10]}`);
    expect((err as Error).message).toContain('offset 10');
    expect((err as Error).message).toContain(`truncate -s ${positions[10]}`);
    expect(fs.statSync(seg!).size).toBe(bytes.length); // nothing was cut
    // The data directory is not left locked by the refused open.
    const logger = recording();
    const repaired = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger, repair: true });
    expect(repaired.describeTopic('c').partitions[0]!.highWatermark).toBe(10);
    expect(logger.errors.join('\n')).toMatch(/repair: cut a corrupt segment/);
    await repaired.append('c', 0, [{ value: 'after repair' }]);
    expect((await allValues(repaired, 'c')).at(-1)).toBe('after repair');
    await repaired.close();
  });

  it('checks an active segment larger than its read buffer: batches across the 4 MiB boundary and one larger than it', async () => {
    // Opening reads the active segment in 4 MiB chunks: a batch straddling a chunk's end, or
    // larger than a chunk, must be checked whole, and damage past the first chunk found.
    const dir = freshDir();
    const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet });
    await log.createTopic('big', { partitions: 1, config: { 'max.message.bytes': 8 << 20 } });
    const value = (i: number, size: number) => Buffer.alloc(size, i % 251);
    for (let i = 0; i < 60; i++) await log.append('big', 0, [{ key: `k${i}`, value: value(i, 99_991) }]); // ~6 MB, odd sizes
    await log.append('big', 0, [{ key: 'huge', value: value(60, 5 << 20) }]); // one batch over 4 MiB
    for (let i = 61; i < 70; i++) await log.append('big', 0, [{ key: `k${i}`, value: value(i, 99_991) }]);
    await log.close();
    const [seg] = segmentsOf(dir, 'big');
    const positions = batchPositions(seg!);
    expect(positions.some((p, i) => p < 4 << 20 && (positions[i + 1] ?? Infinity) > 4 << 20)).toBe(true);

    const clean = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet });
    expect(clean.describeTopic('big').partitions[0]!.highWatermark).toBe(70);
    const { records } = await clean.readRecords('big', 0, 60, 16 << 20);
    expect(records[0]!.value!.equals(value(60, 5 << 20))).toBe(true);
    await clean.close();

    for (const victim of [45, 60, 65]) {
      const bytes = fs.readFileSync(seg!);
      const copy = Buffer.from(bytes);
      copy[positions[victim]! + 200] ^= 0x01; // inside the records: the CRC fails, valid batches follow
      fs.writeFileSync(seg!, copy);
      const err = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptLogError);
      expect((err as Error).message).toContain(`byte ${positions[victim]}`);
      expect((err as Error).message).toContain(`offset ${victim}`);
      fs.writeFileSync(seg!, bytes);
    }
  });

  it('refuses a missing segment in the middle of the log; repair accepts the gap and readers skip it', async () => {
    const dir = freshDir();
    await filledLog(dir, 'gap', 60);
    const segs = segmentsOf(dir, 'gap');
    expect(segs.length).toBeGreaterThan(3);
    fs.rmSync(segs[1]!);
    const err = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptLogError);
    expect((err as Error).message).toMatch(/has no records for offsets \d+-\d+: the segment 0+\d+\.log is missing/);
    const log = await openLog({ dataDir: dir, maintenanceIntervalMs: 0, logger: quiet, repair: true });
    const values = await allValues(log, 'gap');
    expect(values.length).toBeGreaterThan(0);
    expect(values.length).toBeLessThan(60);
    expect(values.at(-1)).toMatch(/^value-59-/);
    await log.close();
  });
});

describe('damage met while reading', () => {
  it('a batch length of 0x7fffffff in a closed segment: the embedded consumer reports it and goes on', async () => {
    const dir = freshDir();
    await filledLog(dir, 'len', 60);
    const segs = segmentsOf(dir, 'len');
    const victim = segs[1]!;
    const positions = batchPositions(victim);
    const fd = fs.openSync(victim, 'r+');
    const big = Buffer.alloc(4);
    big.writeInt32BE(0x7fffffff, 0);
    fs.writeSync(fd, big, 0, 4, positions[1]! + 8); // the second batch of the second segment
    fs.closeSync(fd);

    const logger = recording();
    const seen = await consumeAll(dir, 'len', logger);
    expect(seen.at(-1)).toMatch(/^value-59-/);
    // Only the damaged batch's records are missing (the rest of that segment is found again).
    expect(seen.length).toBe(59);
    expect(logger.errors.join('\n')).toMatch(/unreadable bytes in the log/);
    expect(logger.errors.join('\n')).toContain(victim);
  });

  it('the same damage does not stall kcat reading through the broker', async () => {
    const dir = freshDir();
    await filledLog(dir, 'len', 60);
    const victim = segmentsOf(dir, 'len')[1]!;
    const fd = fs.openSync(victim, 'r+');
    const big = Buffer.alloc(4);
    big.writeInt32BE(0x7fffffff, 0);
    fs.writeSync(fd, big, 0, 4, batchPositions(victim)[0]! + 8);
    fs.closeSync(fd);
    const broker = await startBroker({ port: 0, dataDir: dir, logger: quiet });
    try {
      const res = await run('kcat', ['-b', broker.address, '-t', 'len', '-C', '-e', '-q', '-X', 'fetch.wait.max.ms=10'], undefined, 30_000);
      expect(res.code, res.stderr).toBe(0);
      const lines = res.stdout.trim().split('\n');
      expect(lines.at(-1)).toMatch(/^value-59-/);
      expect(lines.length).toBeGreaterThan(50);
    } finally {
      await broker.close();
    }
  });

  it('checks CRCs when the embedded consumer reads (check.crcs), skipping and reporting a bad batch', async () => {
    const dir = freshDir();
    await filledLog(dir, 'crc', 60);
    const victim = segmentsOf(dir, 'crc')[1]!;
    const positions = batchPositions(victim);
    const bytes = fs.readFileSync(victim);
    bytes[positions[2]! + 75] ^= 0x20; // a value byte: the header stays plausible, the CRC fails
    fs.writeFileSync(victim, bytes);
    const logger = recording();
    const seen = await consumeAll(dir, 'crc', logger);
    expect(seen.length).toBe(59);
    expect(seen.every((v) => /^value-\d+-x+$/.test(v))).toBe(true);
    expect(logger.errors.join('\n')).toMatch(/a record batch cannot be read and is skipped.*CRC/);
  });
});

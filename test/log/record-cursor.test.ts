/**
 * Record cursors (core/log/record-cursor.ts) hand out exactly the records the batch decoder gives
 * (offset, timestamp, key, value) in every codec, from any offset and up to any stop offset;
 * skip control batches; report and skip a batch that fails its CRC; and end a batch whose records
 * stop parsing where they stop. The embedded reader's pollCursors reads what poll reads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { crc32c } from '../../core/log/crc32c.js';
import { decodeRecordBatches, encodeRecordBatch, stampLogAppendTime } from '../../core/log/record-batch.js';
import { BatchRecordCursor, RecordArrayCursor, type RecordCursor } from '../../core/log/record-cursor.js';
import type { Compression, LogRecord } from '../../core/log/types.js';

type Seen = [offset: number, timestamp: number, key: string | null, value: string | null];

function walk(c: RecordCursor): Seen[] {
  const out: Seen[] = [];
  while (c.next()) {
    const key = c.keyLength < 0 ? null : Buffer.from(c.keyBytes.subarray(c.keyStart, c.keyStart + c.keyLength)).toString('hex');
    const value = c.valueLength < 0 ? null : Buffer.from(c.valueBytes.subarray(c.valueStart, c.valueStart + c.valueLength)).toString('hex');
    // key() and value() are the same bytes.
    expect(c.key()?.toString('hex') ?? null).toBe(key);
    expect(c.value()?.toString('hex') ?? null).toBe(value);
    out.push([c.offset, c.timestamp, key, value]);
  }
  return out;
}

const seen = (records: LogRecord[]): Seen[] => records.map((r) => [r.offset, r.timestamp, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null]);

/** Batches of varied records at consecutive offsets from 0 (compaction-like gaps in the third). */
function batches(compression: Compression): Buffer[] {
  const rec = (i: number) => ({
    key: i % 7 === 3 ? null : i % 5 === 0 ? Buffer.from(`clé-€-${i}`) : `user-${i}`,
    value: i % 4 === 1 ? null : i % 9 === 0 ? 'v'.repeat(3000) : JSON.stringify({ i, s: 'ü🙂' }),
    headers: i % 6 === 0 ? { trace: `t${i}` } : undefined,
    timestamp: 1_700_000_000_000 + i * 37 - (i % 3) * 1000,
  });
  const first = Array.from({ length: 40 }, (_, i) => rec(i));
  const second = Array.from({ length: 25 }, (_, i) => rec(40 + i));
  const gapped = [70, 71, 75, 90].map((o) => rec(o));
  return [
    encodeRecordBatch(first, { baseOffset: 0, now: 1, compression }),
    encodeRecordBatch(second, { baseOffset: 40, now: 1, compression }),
    encodeRecordBatch(gapped, { baseOffset: 70, now: 1, compression, offsets: [70, 71, 75, 90] }),
  ];
}

/** A batch with its CRC made right again after a change. */
function recrc(b: Buffer): Buffer {
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

describe('record cursors', () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as Compression[]) {
    it(`walk the records the decoder gives, from any offset up to any stop offset (${compression})`, () => {
      const bs = batches(compression);
      const all = seen(decodeRecordBatches(Buffer.concat(bs)));
      expect(all).toHaveLength(69);
      for (const from of [0, 1, 39, 40, 41, 72, 90, 91]) {
        for (const stop of [Infinity, 91, 75, 41, 40, 1, 0]) {
          const c = new BatchRecordCursor(bs, from);
          if (stop !== Infinity) c.stopAt(stop);
          const want = all.filter(([o]) => o >= from && o < stop);
          expect(walk(c)).toEqual(want);
          expect(c.count).toBe(want.length);
          expect(c.next()).toBe(false);
          const decoded = decodeRecordBatches(Buffer.concat(bs)).filter((r) => r.offset >= from);
          const arr = new RecordArrayCursor(decoded);
          if (stop !== Infinity) arr.stopAt(stop);
          expect(walk(arr)).toEqual(want);
        }
      }
    });
  }

  it('gives every record of a LogAppendTime batch its max timestamp, and nothing of a control batch', () => {
    const stamped = encodeRecordBatch([{ key: 'a', value: '1', timestamp: 5 }, { key: 'b', value: '2', timestamp: 6 }], { baseOffset: 0, now: 1 });
    stampLogAppendTime(stamped, 0, 42_000);
    const control = encodeRecordBatch([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]), timestamp: 7 }], { baseOffset: 2, now: 1 });
    control.writeInt16BE(control.readInt16BE(21) | 0x20, 21);
    recrc(control);
    const after = encodeRecordBatch([{ key: 'c', value: '3', timestamp: 8 }], { baseOffset: 3, now: 1 });
    expect(walk(new BatchRecordCursor([stamped, control, after], 0)).map(([o, t]) => [o, t])).toEqual([
      [0, 42_000],
      [1, 42_000],
      [3, 8],
    ]);
  });

  it('reports a batch that fails its CRC and skips it whole; with the check off it is read', () => {
    const [a, b, c] = batches('none');
    const bad = Buffer.from(b!);
    bad[bad.length - 3] ^= 0xff; // inside the last record's value
    const reports: Array<{ baseOffset: number; endOffset: number; error: string }> = [];
    const got = walk(new BatchRecordCursor([a!, bad, c!], 0, { onCorrupt: (r) => reports.push(r) }));
    expect(got.map(([o]) => o)).toEqual(seen(decodeRecordBatches(Buffer.concat([a!, c!]))).map(([o]) => o));
    expect(reports).toEqual([{ baseOffset: 40, endOffset: 65, error: expect.stringMatching(/CRC-32C/) }]);
    expect(walk(new BatchRecordCursor([a!, bad, c!], 0, { verifyCrc: false }))).toHaveLength(69);
  });

  it('ends a batch whose records stop parsing at the first that does not, reporting it, and goes on with the next batch', () => {
    const recs = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`, timestamp: 100 + i }));
    const b = encodeRecordBatch(recs, { baseOffset: 10, now: 1 });
    // The third record's key length grows past its record (its CRC made right: only a broken writer does this).
    let pos = 61;
    for (let i = 0; i < 2; i++) pos += 1 + (b[pos]! >> 1);
    const keyLenAt = pos + 4; // length, attributes, timestamp delta, offset delta: one byte each here
    expect(b[keyLenAt]).toBe(2 * 2);
    b[keyLenAt] = 2 * 60;
    recrc(b);
    const next = encodeRecordBatch([{ key: 'z', value: 'z', timestamp: 1 }], { baseOffset: 15, now: 1 });
    const reports: string[] = [];
    const got = walk(new BatchRecordCursor([b, next], 0, { onCorrupt: (r) => reports.push(`${r.baseOffset}-${r.endOffset}: ${r.error}`) }));
    expect(got.map(([o]) => o)).toEqual([10, 11, 15]);
    expect(reports).toEqual([expect.stringMatching(/^10-15: record at offset 12 has a key of length 60/)]);
  });

  it("the embedded reader's pollCursors reads what poll reads, and moves the position the same way", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cursor-'));
    const client = embedded({ dataDir: dir, maintenanceIntervalMs: 0, flush: 'never' });
    try {
      await client.admin().createTopic('t', { partitions: 1 });
      const producer = client.producer();
      for (let b = 0; b < 30; b++) await producer.send('t', Array.from({ length: 100 }, (_, i) => ({ key: i % 3 ? `k${i}` : null, value: i % 11 ? `v${b}-${i}` : null, partition: 0 })));
      for (const from of [0, 1234, 2999]) {
        const viaPoll: Seen[] = [];
        const viaCursors: Seen[] = [];
        const a = client.reader();
        const c = client.reader();
        a.assign([{ topic: 't', partition: 0, offset: from }]);
        c.assign([{ topic: 't', partition: 0, offset: from }]);
        while ((a.position({ topic: 't', partition: 0 }) ?? 0) < 3000) for (const f of await a.poll({ maxBytesPerPartition: 4096 })) viaPoll.push(...seen(f.records));
        while ((c.position({ topic: 't', partition: 0 }) ?? 0) < 3000) for (const f of await c.pollCursors({ maxBytesPerPartition: 4096 })) viaCursors.push(...walk(f.records));
        expect(viaCursors).toEqual(viaPoll);
        expect(viaCursors).toHaveLength(3000 - from);
        expect(await c.pollCursors()).toEqual([]);
        await a.close();
        await c.close();
      }
    } finally {
      await client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

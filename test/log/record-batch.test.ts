import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CorruptRecordBatchError } from '../../core/errors.js';
import { decodeRecordBatch, encodeRecordBatch, encodeRecordBatchTransient, readBatchHeader, validateBatches } from '../../core/log/record-batch.js';
import { defaultPartition, murmur2, StickyPartitioner } from '../../core/log/partitioner.js';
import { partitionRecords } from '../../core/client/partition-records.js';
import { openLog } from '../../core/log/engine.js';
import { userKeys } from '../../bench/lib.js';

const require = createRequire(import.meta.url);
// kafkajs's own protocol code: the format is checked by code we did not write.
const KafkaDecoder = require('kafkajs/src/protocol/decoder');
const kafkaDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const { RecordBatch: KafkaRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const KafkaRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const { Partitioners, CompressionTypes } = require('kafkajs');

const records = [
  { key: 'user-1', value: '{"a":1}', headers: { trace: 'abc', bin: Buffer.from([0, 1, 2]) }, timestamp: 1_700_000_000_000 },
  { key: null, value: 'no key', timestamp: 1_699_999_000_000 },
  { key: Buffer.from('clé-€-🙂'), value: null, timestamp: 1_700_000_000_000 + 2 ** 33 },
  { key: 'k'.repeat(300), value: Buffer.alloc(5000, 7), timestamp: 1_700_000_000_001 },
  { key: '', value: '', timestamp: 0 },
];

describe('RecordBatch v2 codec', () => {
  it('writes string keys, values and headers of every length, ASCII or not, as their UTF-8 bytes', () => {
    // Long strings are first taken to be ASCII and the batch is encoded again when one is not.
    const texts = ['', 'a', 'x'.repeat(32), 'y'.repeat(33), '{"key":"user-00001","window":{"start":1700000000000,"end":1700000005000}}', 'é'.repeat(40), `${'z'.repeat(60)}🙂`, `lone ${'\ud800'} surrogate ${'w'.repeat(40)}`, 'ü'];
    for (const order of [texts, [...texts].reverse()]) {
      const recs = order.map((t, i) => ({ key: t, value: `${t}|${i}`, headers: { [`h${t.slice(0, 40)}`]: t }, timestamp: 1000 + i }));
      const out = decodeRecordBatch(encodeRecordBatch(recs, { baseOffset: 0, now: 1 }));
      // Each string field is exactly its UTF-8 bytes (a lone surrogate as U+FFFD's, as Buffer.from writes it).
      order.forEach((t, i) => {
        const r = out[i]!;
        expect(r.key!.equals(Buffer.from(t))).toBe(true);
        expect(r.value!.equals(Buffer.from(`${t}|${i}`))).toBe(true);
        expect(Object.keys(r.headers)).toEqual([Buffer.from(`h${t.slice(0, 40)}`).toString()]);
        expect(Object.values(r.headers)[0]!.equals(Buffer.from(t))).toBe(true);
      });
    }
  });

  it('finds a non-ASCII string anywhere in a batch of ASCII ones, whatever its length or code unit', () => {
    // Strings are first written as if ASCII and checked while copied: the one that is not (a
    // Latin-1 character, one whose low byte is ASCII, a lone surrogate, a long one) must make the
    // batch be written again with UTF-8 lengths, and the records around it must be unaffected.
    const odd = ['\u0080', '\u0141', 'A\u0100', '\udfff', `${'q'.repeat(31)}\u00ff`, `${'r'.repeat(33)}\u0420`];
    for (const s of odd) {
      for (const at of [0, 500, 999]) {
        const recs = Array.from({ length: 1000 }, (_, i) => ({ key: i === at ? s : `user-${i}`, value: i === at ? `v${s}` : `value-${i}`, headers: i === at ? { [s]: s } : undefined, timestamp: 5 + i }));
        const out = decodeRecordBatch(encodeRecordBatch(recs, { now: 1 }));
        expect(out).toHaveLength(1000);
        for (const i of [0, at - 1, at, at + 1, 999].filter((x) => x >= 0 && x < 1000)) {
          expect(out[i]!.key!.equals(Buffer.from(recs[i]!.key))).toBe(true);
          expect(out[i]!.value!.toString()).toBe(Buffer.from(recs[i]!.value).toString());
          expect(out[i]!.offset).toBe(i);
        }
        expect(Object.values(out[at]!.headers)[0]!.equals(Buffer.from(s))).toBe(true);
      }
    }
  });

  it('gives an owned batch that a later encode does not overwrite', () => {
    const a = encodeRecordBatch([{ key: 'a', value: 'first' }], { now: 1 });
    const copy = Buffer.from(a);
    encodeRecordBatch([{ key: 'b', value: 'second, longer' }], { now: 2 });
    expect(a.equals(copy)).toBe(true);
    expect(decodeRecordBatch(a)[0]!.value!.toString()).toBe('first');
  });

  it('grows its buffer in the middle of a batch, keeping the records written before', () => {
    // The batch is written in one pass into a reused 1 MiB buffer, each record checking its own
    // room: a 2 MB batch grows it part way; a non-ASCII string as its last record makes the grown
    // batch be written again with measured lengths.
    const big = (i: number) => Buffer.alloc(1000 + (i % 7), i % 251);
    for (const odd of [-1, 3999]) {
      const recs = Array.from({ length: 4000 }, (_, i) => ({ key: i === odd ? `clé-${i}` : `k${i}`, value: i % 2 ? big(i) : `${'é'.repeat(i === odd ? 600 : 0)}v${i}`, timestamp: 10 + (i % 13) }));
      const batch = encodeRecordBatch(recs, { now: 1 });
      const out = decodeRecordBatch(batch);
      expect(out).toHaveLength(4000);
      out.forEach((r, i) => {
        expect(r.key!.toString()).toBe(recs[i]!.key);
        expect(r.value!.equals(typeof recs[i]!.value === 'string' ? Buffer.from(recs[i]!.value as string) : (recs[i]!.value as Buffer))).toBe(true);
        expect(r.offset).toBe(i);
      });
      expect(readBatchHeader(batch).maxTimestamp).toBe(22);
    }
  });

  it('gives up an uncompressed batch past maxBytes, and checks a compressed one only once compressed', () => {
    const recs = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(100) }));
    const whole = encodeRecordBatch(recs, { now: 1 });
    expect(encodeRecordBatchTransient(recs, { now: 1 }, whole.length - 1)).toBeNull();
    expect(encodeRecordBatchTransient(recs, { now: 1 }, whole.length)!.equals(whole)).toBe(true);
    const gz = encodeRecordBatchTransient(recs, { now: 1, compression: 'gzip' }, 500)!;
    expect(gz.length).toBeLessThan(whole.length);
    expect(decodeRecordBatch(gz).map((r) => r.key!.toString())).toEqual(recs.map((r) => r.key));
  });

  for (const compression of ['none', 'gzip'] as const) {
    it(`round-trips keys, values, null values, headers and timestamps (${compression})`, () => {
      const batch = encodeRecordBatch(records, { baseOffset: 42, now: 1, compression });
      const out = decodeRecordBatch(batch);
      expect(out.map((r) => r.offset)).toEqual([42, 43, 44, 45, 46]);
      expect(out[0]!.key!.toString()).toBe('user-1');
      expect(out[0]!.headers.trace!.toString()).toBe('abc');
      expect([...out[0]!.headers.bin!]).toEqual([0, 1, 2]);
      expect(out[1]!.key).toBeNull();
      expect(out[2]!.key!.toString()).toBe('clé-€-🙂');
      expect(out[2]!.value).toBeNull();
      expect(out[3]!.key!.toString()).toBe('k'.repeat(300));
      expect(out[3]!.value!.equals(Buffer.alloc(5000, 7))).toBe(true);
      expect(out[4]!.key!.length).toBe(0);
      expect(out[4]!.value!.length).toBe(0);
      expect(out.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
    });

    it(`is decoded by kafkajs's own decoder (${compression})`, async () => {
      const batch = encodeRecordBatch(records, { baseOffset: 7, now: 1, compression });
      const decoded = await kafkaDecodeBatch(new KafkaDecoder(batch));
      expect(decoded.records.map((r: { offset: string }) => Number(r.offset))).toEqual([7, 8, 9, 10, 11]);
      expect(decoded.records.map((r: { timestamp: string }) => Number(r.timestamp))).toEqual(records.map((r) => r.timestamp));
      expect(decoded.records[0].key.toString()).toBe('user-1');
      expect(decoded.records[0].headers.trace.toString()).toBe('abc');
      expect(decoded.records[2].value).toBeNull();
      expect(decoded.records[1].key).toBeNull();
    });

    it(`appends a kafkajs-encoded batch as is and reads it back (${compression})`, async () => {
      const kjsRecords = records.map((r, i) =>
        KafkaRecord({
          offsetDelta: i,
          timestampDelta: r.timestamp - records[0]!.timestamp,
          key: r.key === null ? null : Buffer.from(r.key),
          value: r.value === null ? null : Buffer.from(r.value),
          headers: 'headers' in r ? r.headers : {},
        }),
      );
      const encoded = await KafkaRecordBatch({
        compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        firstTimestamp: records[0]!.timestamp,
        maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
        lastOffsetDelta: records.length - 1,
        records: kjsRecords,
      });
      const bytes: Buffer = encoded.buffer;
      const log = await openLog({ memory: true });
      await log.createTopic('t', { partitions: 1 });
      await log.append('t', 0, [{ value: 'first' }]);
      const res = await log.appendRaw('t', 0, Buffer.from(bytes));
      expect(res).toMatchObject({ baseOffset: 1, lastOffset: 5 });
      const { records: back } = await log.readRecords('t', 0, 1, 1 << 20);
      expect(back.map((r) => r.offset)).toEqual([1, 2, 3, 4, 5]);
      expect(back[0]!.headers.trace!.toString()).toBe('abc');
      expect(back[2]!.key!.toString()).toBe('clé-€-🙂');
      expect(back.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
      await log.close();
    });
  }

  it('catches a flipped bit, a short batch and a wrong magic', () => {
    const batch = encodeRecordBatch(records, { now: 1 });
    for (const pos of [25, 100, batch.length - 1]) {
      const bad = Buffer.from(batch);
      bad[pos]! ^= 1;
      expect(() => validateBatches(bad)).toThrow(CorruptRecordBatchError);
    }
    expect(() => validateBatches(batch.subarray(0, batch.length - 3))).toThrow(/claims/);
    const magic = Buffer.from(batch);
    magic[16] = 1;
    expect(() => validateBatches(magic)).toThrow(/magic 1/);
  });
});

describe('default partitioner', () => {
  it("matches kafkajs's DefaultPartitioner for 1 000 keys on 1, 3, 12 and 100 partitions", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = [...userKeys(1000), 'é', 'ünïcødé-key', '', 'a', 'ab', 'abc'];
    for (const n of [1, 3, 12, 100]) {
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));
      for (const key of keys) {
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key } });
        expect(defaultPartition(key, n)).toBe(expected);
        expect(defaultPartition(Buffer.from(key), n)).toBe(expected);
      }
    }
  });

  it('hashes strings and their UTF-8 bytes alike', () => {
    for (const k of ['user-00001', 'ÅÄÖ', '🙂']) expect(murmur2(k)).toBe(murmur2(Buffer.from(k)));
    // ASCII is checked while the key is hashed: a non-ASCII unit in the 4-byte body, in the tail
    // of 1 to 3 units, or whose low byte is ASCII must still hash the UTF-8 bytes.
    for (const k of ['abcé', 'abcdé', 'abcdeé', 'abcdefé', 'é', '\u0141abc', 'abcd\u0141', `${'x'.repeat(40)}\u00ff`, '\ud800x', ''])
      expect(murmur2(k)).toBe(murmur2(Buffer.from(k)));
  });

  it("groups a send's records by partition in the order the partitions are first met, keeping each one's order", () => {
    const recs = [
      { key: 'user-00007', value: 'a' },
      { value: 'no key 1' },
      { key: 'user-00003', value: 'b', partition: 9 },
      { key: 'user-00007', value: 'c' },
      { value: 'no key 2' },
      { key: 'x', value: 'no such partition', partition: 40 },
      { key: 'user-00003', value: 'd', partition: 9 },
    ];
    const sticky = new StickyPartitioner();
    const by = partitionRecords(recs, 12, sticky, (r, p) => `${p}:${r.value}`);
    const p7 = defaultPartition('user-00007', 12);
    const stick = [...by.entries()].find(([, l]) => l.some((v) => v.endsWith('no key 1')))![0];
    const expected = new Map<number, string[]>();
    const add = (p: number, v: string) => (expected.get(p) ?? expected.set(p, []).get(p)!).push(`${p}:${v}`);
    for (const [p, v] of [[p7, 'a'], [stick, 'no key 1'], [9, 'b'], [p7, 'c'], [stick, 'no key 2'], [40, 'no such partition'], [9, 'd']] as const) add(p, v);
    expect([...by.entries()]).toEqual([...expected.entries()]);
  });
});
